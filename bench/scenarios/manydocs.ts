import { EditSession } from "../load/edit-session";
import { editRunMetrics } from "./fanout";
import { WARMUP_MS, type Metric, type Scenario } from "./types";

/** Many small documents at once (500 × 4 clients), at 1 and then 5 edits/s per document. */
export const manydocs: Scenario = {
  name: "manydocs",
  supports: () => true,
  async run({ target, options, log }) {
    const { documents, clients, ratesPerDocument, durationMs } = options.manydocs;
    const specs = await target.provision({ documents, clientsPerDocument: clients });
    const session = await EditSession.open(target, specs, { writersPerDocument: clients, warmup: { ratePerWriter: (ratesPerDocument[0] ?? 1) / clients, durationMs: WARMUP_MS } });
    const metrics: Metric[] = [];
    const failures: string[] = [];
    try {
      log(`${documents} documents × ${clients} clients connected`);
      for (const rate of ratesPerDocument) {
        log(`${rate} edits/s per document for ${durationMs / 1000} s`);
        // Every client of a document types: the document's rate is shared among them.
        const run = await session.run({ ratePerWriter: rate / clients, durationMs, drainMs: options.drainMs });
        metrics.push(...editRunMetrics(run, `${rate}/s/doc: `));
        if (run.lost > 0) failures.push(`${rate}/s per document: ${run.lost} deliveries lost`);
      }
      failures.push(...session.divergences());
      return { metrics, failures, notes: [] };
    } finally {
      session.close();
    }
  },
};
