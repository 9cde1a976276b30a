import { mapLimit } from "../concurrency";
import { LeanClient } from "../clients/lean-client";
import type { DocumentSpec } from "../servers";

export interface Connected {
  /** Per document, its connected clients (failed ones left out), in the order they synced. */
  clients: LeanClient[][];
  /** Connections that could not be made, with the first error. */
  failed: number;
  firstError: string | undefined;
  elapsedMs: number;
}

/** Opens every slot of every document, at most `concurrency` handshakes at a time. */
export async function connectDocuments(docs: readonly DocumentSpec[], options: { awareness: boolean; concurrency: number; timeoutMs?: number }): Promise<Connected> {
  const slots = docs.flatMap((doc, d) => doc.slots.map((slot, s) => ({ d, s, slot })));
  const clients: LeanClient[][] = docs.map(() => []);
  let failed = 0;
  let firstError: string | undefined;
  const started = performance.now();
  await mapLimit(slots, options.concurrency, async ({ d, s, slot }) => {
    const client = new LeanClient(slot.endpoint, { awareness: options.awareness, name: `bench ${d}.${s}` });
    try {
      await client.connect(options.timeoutMs);
      clients[d]?.push(client);
    } catch (error) {
      failed += 1;
      firstError ??= error instanceof Error ? error.message : String(error);
      client.terminate();
    }
  });
  return { clients, failed, firstError, elapsedMs: performance.now() - started };
}
