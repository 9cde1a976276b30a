import { EditSession, type EditRunResult } from "../load/edit-session";
import { metric, WARMUP_MS, type Metric, type Scenario } from "./types";

/** The latency, loss, load and generator-lag metrics of one timed edit run, labelled with `prefix`. */
export function editRunMetrics(run: EditRunResult, prefix = ""): Metric[] {
  return [
    metric(`${prefix}edits/s sent`, "edits/s", run.editsPerSecond, null),
    metric(`${prefix}latency p50`, "ms", run.latency.p50, "lower"),
    metric(`${prefix}latency p95`, "ms", run.latency.p95, "lower"),
    metric(`${prefix}latency p99`, "ms", run.latency.p99, "lower"),
    metric(`${prefix}latency max`, "ms", run.latency.max, "lower"),
    metric(`${prefix}lost deliveries`, "", run.lost, "lower"),
    metric(`${prefix}server CPU`, "% core", run.serverCpu, "lower"),
    metric(`${prefix}PostgreSQL CPU (the server's children)`, "% core", run.databaseCpu, null),
    metric(`${prefix}generator loop lag p99`, "ms", run.loopLag.p99, null),
  ];
}

/** One document, many clients, a few of them typing: the latency of one edit to everyone else. */
export const fanout: Scenario = {
  name: "fanout",
  supports: () => true,
  async run({ target, options, log }) {
    const { clients, writers, ratePerWriter, durationMs } = options.fanout;
    const [spec] = await target.provision({ documents: 1, clientsPerDocument: clients });
    if (!spec) throw new Error("no document provisioned");
    const session = await EditSession.open(target, [spec], { writersPerDocument: writers, warmup: { ratePerWriter, durationMs: WARMUP_MS } });
    try {
      log(`${clients} clients connected; ${writers} writers × ${ratePerWriter} edits/s for ${durationMs / 1000} s`);
      const run = await session.run({ ratePerWriter, durationMs, drainMs: options.drainMs });
      const failures = [...session.divergences(), ...(run.lost > 0 ? [`${run.lost} deliveries lost`] : [])];
      return { metrics: editRunMetrics(run), failures, notes: [] };
    } finally {
      session.close();
    }
  },
};
