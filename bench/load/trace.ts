import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import * as Y from "yjs";
import { addParagraph, plainText } from "../clients/content";

/** The sequential editing-trace format (josephg/editing-traces). */
interface SequentialTrace {
  startContent: string;
  endContent: string;
  txns: Array<{ patches: Array<[position: number, deleted: number, inserted: string]> }>;
}

/** A trace turned into the Yjs updates one client would send, one per edit. */
export interface PreparedTrace {
  /** The Yjs client id every update comes from. */
  clientId: number;
  /** The first update creates the paragraph; then one update per edit. */
  updates: Uint8Array[];
  /** The writer's clock after each update (same index). */
  clocks: Uint32Array;
  /** Edits replayed (without the paragraph). */
  edits: number;
  /** The text after the replay. */
  text: string;
  /** The state after the replay (the writer's document). */
  doc: Y.Doc;
}

/** A fixed client id, so every server receives byte-identical updates. */
const TRACE_CLIENT_ID = 0x7ace;

/**
 * Replays a sequential trace into one paragraph of a Tiptap-shaped document, one transaction per
 * edit, recording each update. With `limit` > 0 only the first `limit` edits.
 * @throws Error when the full replay does not end with the trace's `endContent`.
 */
export async function prepareTrace(file: string, limit: number): Promise<PreparedTrace> {
  const trace = JSON.parse(gunzipSync(await readFile(file)).toString("utf8")) as SequentialTrace;
  const doc = new Y.Doc();
  doc.clientID = TRACE_CLIENT_ID;
  const updates: Uint8Array[] = [];
  doc.on("update", (update: Uint8Array) => updates.push(update));
  const text = addParagraph(doc, trace.startContent);
  const patches = trace.txns.flatMap((txn) => txn.patches);
  const count = limit > 0 ? Math.min(limit, patches.length) : patches.length;
  const clocks = new Uint32Array(count + 1);
  clocks[0] = Y.getState(doc.store, TRACE_CLIENT_ID);
  for (let i = 0; i < count; i++) {
    const [position, deleted, inserted] = patches[i] as [number, number, string];
    doc.transact(() => {
      if (deleted > 0) text.delete(position, deleted);
      if (inserted.length > 0) text.insert(position, inserted);
    });
    clocks[i + 1] = Y.getState(doc.store, TRACE_CLIENT_ID);
  }
  const result = plainText(doc);
  if (count === patches.length && result !== trace.endContent) throw new Error(`replaying ${file} did not produce its endContent`);
  return { clientId: TRACE_CLIENT_ID, updates, clocks, edits: count, text: result, doc };
}
