import * as Y from "yjs";
import { pollUntil } from "../concurrency";
import { plainText } from "../clients/content";
import { LeanClient, type Endpoint } from "../clients/lean-client";
import { encodeSync, SyncType } from "../clients/wire";
import { prepareTrace, type PreparedTrace } from "../load/trace";
import { TandemDatabase } from "../servers/tandem-db";
import { LoopLagMonitor, Samples } from "../stats";
import { metric, type Scenario, type ScenarioContext } from "./types";

const REPLAY_TIMEOUT_MS = 10 * 60_000;
const PERSIST_TIMEOUT_MS = 60_000;
const UNLOAD_TIMEOUT_MS = 60_000;
/**
 * After the log is compacted into the snapshot, the room is destroyed within a few microtasks;
 * this margin makes sure the next client finds it unloaded.
 */
const UNLOAD_GRACE_MS = 500;

interface ReplayResult {
  elapsedMs: number;
  /** performance.now() when the observer had every edit. */
  doneAt: number;
}

/**
 * Sends the trace's updates from `writer` as fast as the server relays them: at most `window`
 * edits may be on their way to the observer at any time.
 */
function replay(trace: PreparedTrace, writer: LeanClient, observer: LeanClient, window: number): Promise<ReplayResult> {
  const framing = writer.endpoint.framing;
  const total = trace.updates.length;
  let sent = 0;
  let acked = 0;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replay not relayed within ${REPLAY_TIMEOUT_MS / 1000} s (${acked} of ${total})`)), REPLAY_TIMEOUT_MS);
    const pump = () => {
      const state = Y.getState(observer.doc.store, trace.clientId);
      while (acked < total && (trace.clocks[acked] as number) <= state) acked += 1;
      if (acked === total) {
        clearTimeout(timer);
        observer.onRemoteUpdate = undefined;
        const doneAt = performance.now();
        resolve({ elapsedMs: doneAt - started, doneAt });
        return;
      }
      if (writer.closed || observer.closed) {
        clearTimeout(timer);
        reject(new Error(`a client was disconnected during the replay: ${JSON.stringify(writer.closed ?? observer.closed)}`));
        return;
      }
      while (sent < total && sent - acked < window) writer.sendRaw(encodeSync(framing, SyncType.update, trace.updates[sent++] as Uint8Array));
    };
    observer.onRemoteUpdate = pump;
    pump();
  });
}

/** Waits until Tandem's room for the document has stored everything, compacted and unloaded. */
async function waitUnloaded(db: TandemDatabase, documentId: string): Promise<boolean> {
  const compacted = await pollUntil(async () => {
    const size = await db.storedSize(documentId);
    return size.logRows === 0 && size.snapshotBytes > 0;
  }, UNLOAD_TIMEOUT_MS, 50);
  await new Promise((resolve) => setTimeout(resolve, UNLOAD_GRACE_MS));
  return compacted;
}

/**
 * Replays the automerge-paper trace (259,778 edits) from one client as fast as the server takes
 * it, watched by a second client: throughput, time until stored (Tandem's `saved` acks), cold
 * load of the unloaded document, and stored size after compaction.
 */
export function createTraceScenario(): Scenario {
  let prepared: Promise<PreparedTrace> | undefined;
  return {
    name: "trace",
    supports: () => true,
    async run({ target, options, log }: ScenarioContext) {
      prepared ??= prepareTrace(options.trace.file, options.trace.limit);
      const trace = await prepared;
      const [spec] = await target.provision({ documents: 1, clientsPerDocument: 2 });
      const writerSlot = spec?.slots[0];
      const observerSlot = spec?.slots[1];
      if (!spec || !writerSlot || !observerSlot) throw new Error("no document provisioned");
      const tandem = target.tandem;
      // Tandem's own client asks for `saved` acks; so does the bench's writer.
      const writerEndpoint: Endpoint = tandem && writerSlot.user ? tandem.endpoint(writerSlot.user, spec.id, { acks: true }) : writerSlot.endpoint;
      const writer = new LeanClient(writerEndpoint, { awareness: true, name: "trace writer" });
      const observer = new LeanClient(observerSlot.endpoint, { awareness: true, name: "trace observer" });
      const finalClock = trace.clocks[trace.clocks.length - 1] as number;
      let persistedAt: number | undefined;
      let lastAck = 0;
      writer.onSaved = (vector) => {
        lastAck = vector.get(trace.clientId) ?? 0;
        if (persistedAt === undefined && lastAck >= finalClock) persistedAt = performance.now();
      };
      const failures: string[] = [];
      const lag = new LoopLagMonitor();
      let db: TandemDatabase | undefined;
      let replayDoneAt = 0;
      try {
        await Promise.all([writer.connect(), observer.connect()]);
        log(`replaying ${trace.edits} edits`);
        lag.start();
        const result = await replay(trace, writer, observer, options.trace.window);
        replayDoneAt = result.doneAt;
        const loopLag = lag.stop();
        const editsPerSecond = (trace.edits * 1000) / result.elapsedMs;
        log(`relayed in ${(result.elapsedMs / 1000).toFixed(1)} s: ${editsPerSecond.toFixed(0)} edits/s`);
        if (plainText(observer.doc) !== trace.text) failures.push("the observer's text differs from the trace's");
        const encodedState = Y.encodeStateAsUpdate(observer.doc).byteLength;

        let persistLag: number | null = null;
        let coldLoad: Samples | undefined;
        let stored: number | null = null;
        if (tandem) {
          // Stored means in PostgreSQL: read it there, and check Tandem's `saved` acks say so too.
          db = await TandemDatabase.connect(tandem.databaseUrl);
          const database = db;
          let storedAt: number | undefined;
          const allStored = await pollUntil(async () => {
            const vector = await database.storedStateVector(spec.id);
            if ((vector.get(trace.clientId) ?? 0) < finalClock) return false;
            storedAt = performance.now();
            return true;
          }, PERSIST_TIMEOUT_MS, 20);
          if (!allStored || storedAt === undefined) failures.push(`not all edits were in PostgreSQL within ${PERSIST_TIMEOUT_MS / 1000} s of the last one arriving`);
          else persistLag = Math.max(0, storedAt - result.doneAt);
          // The acks go out once a batch is stored; give the last one a moment to arrive.
          await pollUntil(() => persistedAt !== undefined, 1_000, 5);
          if (persistedAt === undefined) failures.push(`Tandem's \`saved\` acks never covered the replay (last ack: clock ${lastAck} of ${finalClock}) although PostgreSQL holds every edit`);
          writer.close();
          observer.close();
          // The generator has only applied small updates so far: decode the whole state once,
          // unmeasured, so that the first cold load does not time this process's JIT warming up.
          Y.applyUpdate(new Y.Doc(), Y.encodeStateAsUpdate(trace.doc));
          coldLoad = new Samples();
          for (let i = 0; i < options.trace.coldLoads; i++) {
            if (!(await waitUnloaded(db, spec.id))) {
              failures.push("the room did not compact and unload within 60 s of its last client leaving");
              break;
            }
            const fresh = new LeanClient(observerSlot.endpoint, { awareness: true, name: "cold reader" });
            const started = performance.now();
            await fresh.connect();
            const ms = performance.now() - started;
            if (plainText(fresh.doc) !== trace.text) failures.push(`cold load ${i + 1}: the text differs from the trace's`);
            fresh.close();
            coldLoad.add(ms);
            const { opened = Number.NaN, syncArrived = Number.NaN } = fresh.times;
            log(`cold load ${i + 1}: ${ms.toFixed(1)} ms (socket open after ${(opened - started).toFixed(1)}, document arrived after ${(syncArrived - started).toFixed(1)}, the rest is this client decoding it)`);
          }
          await waitUnloaded(db, spec.id);
          const size = await db.storedSize(spec.id);
          stored = size.snapshotBytes + size.logBytes;
        }
        const cold = coldLoad?.summary();
        return {
          metrics: [
            metric("edits relayed", "", trace.edits, null),
            metric("replay throughput", "edits/s", editsPerSecond, "higher"),
            metric("all in PostgreSQL, after the last edit arrived", "ms", persistLag, "lower"),
            metric("Tandem `saved` ack, after the last edit arrived", "ms", persistedAt === undefined ? null : Math.max(0, persistedAt - replayDoneAt), "lower"),
            metric("cold load p50", "ms", cold?.p50 ?? null, "lower"),
            metric("cold load max", "ms", cold?.max ?? null, "lower"),
            metric("encoded state", "KiB", encodedState / 1024, null),
            metric("stored after compaction", "KiB", stored === null ? null : stored / 1024, "lower"),
            metric("stored / encoded state", "×", stored === null ? null : stored / encodedState, "lower"),
            metric("generator loop lag p99", "ms", loopLag.p99, null),
          ],
          failures,
          notes: tandem ? [] : ["in memory: nothing is stored, and an unloaded document is gone, so there is no cold load to time"],
        };
      } finally {
        writer.terminate();
        observer.terminate();
        await db?.close();
      }
    },
  };
}
