import { EditSession, type EditRunResult } from "../load/edit-session";
import { metric, WARMUP_MS, type Scenario } from "./types";

/**
 * Fanout with the rate raised step by step (× `factor`): the highest rate whose p99 stayed
 * under the limit with nothing lost is the ceiling. Stops at the first step that fails.
 */
export const ceiling: Scenario = {
  name: "ceiling",
  supports: () => true,
  async run({ target, options, log }) {
    const { clients, writers, startRatePerWriter, factor, maxSteps, stepMs, p99LimitMs } = options.ceiling;
    const [spec] = await target.provision({ documents: 1, clientsPerDocument: clients });
    if (!spec) throw new Error("no document provisioned");
    const session = await EditSession.open(target, [spec], { writersPerDocument: writers, warmup: { ratePerWriter: startRatePerWriter, durationMs: WARMUP_MS } });
    let best: EditRunResult | undefined;
    const notes: string[] = [];
    try {
      let rate = startRatePerWriter;
      for (let step = 0; step < maxSteps; step++, rate *= factor) {
        const run = await session.run({ ratePerWriter: rate, durationMs: stepMs, drainMs: options.drainMs });
        const sustained = run.latency.p99 < p99LimitMs && run.lost === 0;
        const line = `${(rate * writers).toFixed(0)} edits/s offered, ${run.editsPerSecond.toFixed(0)} sent: p99 ${run.latency.p99.toFixed(1)} ms, lost ${run.lost}, server CPU ${run.serverCpu.toFixed(0)}%, generator lag p99 ${run.loopLag.p99.toFixed(1)} ms`;
        log(line);
        notes.push(line);
        if (!sustained) break;
        best = run;
      }
      const failures = session.divergences();
      return {
        metrics: [
          metric("highest sustained rate", "edits/s", best?.editsPerSecond ?? 0, "higher"),
          metric("p99 at that rate", "ms", best?.latency.p99 ?? null, "lower"),
          metric("server CPU at that rate", "% core", best?.serverCpu ?? null, null),
          metric("generator loop lag p99 at that rate", "ms", best?.loopLag.p99 ?? null, null),
        ],
        failures,
        notes,
      };
    } finally {
      session.close();
    }
  },
};
