import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import { MemoryStore } from "./memory-store";
import type { LogSize } from "./store";
import { createTestLogger, deferred, type Deferred, type LogEntry } from "./test-support";
import { DEFAULT_WRITER_OPTIONS, mergeToSnapshot, UpdateWriter, type WriterOptions } from "./update-writer";

const DOC = "5f0e6a52-8d1c-4b7e-a3f9-2c6d7e8f9a0b";

/** A document whose every change is collected, as the room's doc hands them to its writer. */
function editedDoc(): { doc: Y.Doc; updates: Uint8Array[]; text: Y.Text } {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on("update", (update: Uint8Array) => updates.push(update));
  return { doc, updates, text: doc.getText("t") };
}

function textOf(updates: readonly Uint8Array[]): string {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc.getText("t").toString();
}

/** A MemoryStore whose appends each wait for the test to settle them. */
class HeldAppendStore extends MemoryStore {
  readonly held: Array<Deferred<void> & { update: Uint8Array }> = [];
  override async append(documentId: string, update: Uint8Array): Promise<LogSize> {
    const gate = Object.assign(deferred(), { update });
    this.held.push(gate);
    await gate.promise;
    return super.append(documentId, update);
  }
}

let logs: LogEntry[];
function createWriter(store: MemoryStore, options: Partial<WriterOptions> = {}, onStored?: (update: Uint8Array) => void): UpdateWriter {
  const { logger, entries } = createTestLogger();
  logs = entries;
  return new UpdateWriter(DOC, store, logger, { ...DEFAULT_WRITER_OPTIONS, ...options }, onStored);
}

/** Tracks whether a promise has settled, without awaiting it. */
function track(promise: Promise<void>): { done: boolean } {
  const state = { done: false };
  void promise.then(() => {
    state.done = true;
  });
  return state;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("UpdateWriter", () => {
  it("[PS1] updates enqueued within the batch delay are appended as one row that applies as all of them", async () => {
    const store = new MemoryStore();
    const stored: Uint8Array[] = [];
    const writer = createWriter(store, { flushDelayMs: 50 }, (update) => stored.push(update));
    const { updates, text } = editedDoc();
    text.insert(0, "one");
    writer.enqueue(updates[0] as Uint8Array);
    for (let i = 1; i <= 7; i++) {
      await vi.advanceTimersByTimeAsync(6);
      text.insert(text.length, ` ${i}`);
      writer.enqueue(updates[updates.length - 1] as Uint8Array);
      if (i % 3 === 0) {
        text.delete(0, 1);
        writer.enqueue(updates[updates.length - 1] as Uint8Array);
      }
    }
    expect(updates).toHaveLength(8 + 2);
    // 42 ms after the first update: nothing written yet.
    expect(store.appendCalls).toBe(0);
    await vi.advanceTimersByTimeAsync(7);
    expect(store.appendCalls).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    // 50 ms after the first update: one row for all of them.
    expect(store.appendCalls).toBe(1);
    expect(writer.pendingCount).toBe(0);
    const rows = await store.load(DOC);
    expect(rows).toHaveLength(1);
    expect(textOf(rows)).toBe(text.toString());
    expect(stored).toEqual(rows);

    // The next update starts the next batch: one row per flush.
    text.insert(0, "later ");
    writer.enqueue(updates[updates.length - 1] as Uint8Array);
    await vi.advanceTimersByTimeAsync(50);
    expect(store.logLength(DOC)).toBe(2);
    expect(textOf(await store.load(DOC))).toBe(text.toString());
    writer.close();
  });

  it("flush() writes a waiting batch at once and resolves once it is stored", async () => {
    const store = new MemoryStore();
    const writer = createWriter(store, { flushDelayMs: 50 });
    await writer.flush(); // nothing to store: resolves at once
    const { updates, text } = editedDoc();
    text.insert(0, "now");
    writer.enqueue(updates[0] as Uint8Array);
    await writer.flush();
    expect(store.appendCalls).toBe(1);
    expect(textOf(await store.load(DOC))).toBe("now");
    // No timer left behind to write again.
    await vi.runAllTimersAsync();
    expect(store.appendCalls).toBe(1);
    writer.close();
  });

  it("[PS1] updates arriving during a write stay pending and go into the next row", async () => {
    const store = new HeldAppendStore();
    const writer = createWriter(store, { flushDelayMs: 50 });
    const { updates, text } = editedDoc();
    text.insert(0, "first");
    writer.enqueue(updates[0] as Uint8Array);
    await vi.advanceTimersByTimeAsync(50);
    expect(store.held).toHaveLength(1);

    text.insert(5, " second");
    writer.enqueue(updates[1] as Uint8Array);
    expect(writer.pendingCount).toBe(2);
    const flushed = track(writer.flush());
    store.held[0]?.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(writer.pendingCount).toBe(1);
    expect(flushed.done).toBe(false);
    expect(store.held).toHaveLength(2);
    expect(textOf([store.held[1]?.update as Uint8Array])).toBe("");
    store.held[1]?.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(flushed.done).toBe(true);
    expect(store.logLength(DOC)).toBe(2);
    expect(textOf(await store.load(DOC))).toBe("first second");
    writer.close();
  });

  it("[PS5] a failing store keeps the updates, retries, loses nothing, and flush() resolves only after success", async () => {
    const store = new MemoryStore();
    store.failNext = 3;
    const writer = createWriter(store, { flushDelayMs: 50, retryMinMs: 100, retryMaxMs: 5_000 });
    const { updates, text } = editedDoc();
    text.insert(0, "kept");
    writer.enqueue(updates[0] as Uint8Array);
    const flushed = track(writer.flush());
    await vi.advanceTimersByTimeAsync(0);
    expect(store.appendCalls).toBe(1);
    expect(flushed.done).toBe(false);

    // More edits while the database is down.
    text.insert(4, " through");
    writer.enqueue(updates[1] as Uint8Array);
    text.insert(text.length, " the outage");
    writer.enqueue(updates[2] as Uint8Array);
    expect(writer.pendingCount).toBe(3);

    await vi.advanceTimersByTimeAsync(10_000);
    expect(store.appendCalls).toBe(4);
    expect(flushed.done).toBe(true);
    expect(writer.pendingCount).toBe(0);
    expect(textOf(await store.load(DOC))).toBe("kept through the outage");

    const failures = logs.filter((entry) => entry.msg?.startsWith("storing updates failed"));
    expect(failures).toHaveLength(3);
    for (const entry of failures) expect(entry).toMatchObject({ documentId: DOC, err: { message: expect.stringContaining("simulated append failure") } });
    writer.close();
  });

  it("[PS5] retries back off from retryMinMs, doubling up to retryMaxMs, with jitter", async () => {
    const store = new MemoryStore();
    store.failNext = 6;
    const attempts: number[] = [];
    const append = store.append.bind(store);
    vi.spyOn(store, "append").mockImplementation((documentId, update) => {
      attempts.push(Date.now());
      return append(documentId, update);
    });
    const writer = createWriter(store, { flushDelayMs: 50, retryMinMs: 100, retryMaxMs: 400 });
    const { updates, text } = editedDoc();
    text.insert(0, "x");
    writer.enqueue(updates[0] as Uint8Array);
    await vi.advanceTimersByTimeAsync(50);
    expect(store.appendCalls).toBe(1);

    await vi.runAllTimersAsync();
    expect(store.appendCalls).toBe(7);
    // Each wait is the doubled delay, capped, less up to half of it (jitter): in [delay / 2, delay].
    const waits = attempts.slice(1).map((time, i) => time - (attempts[i] as number));
    const delays = [100, 200, 400, 400, 400, 400];
    expect(waits).toHaveLength(delays.length);
    waits.forEach((wait, i) => {
      const delay = delays[i] as number;
      expect(wait, `wait ${i + 1}`).toBeGreaterThanOrEqual(delay / 2);
      expect(wait, `wait ${i + 1}`).toBeLessThanOrEqual(delay);
    });
    expect(store.logLength(DOC)).toBe(1);
    expect(writer.pendingCount).toBe(0);
    writer.close();
  });

  it("[PS4] compacts once the log reaches compactAfterRows", async () => {
    const store = new MemoryStore();
    const compact = vi.spyOn(store, "compact");
    const writer = createWriter(store, { flushDelayMs: 50, compactAfterRows: 3 });
    const { updates, text } = editedDoc();
    for (const word of ["a", "b", "c"]) {
      expect(compact).not.toHaveBeenCalled();
      text.insert(text.length, word);
      writer.enqueue(updates[updates.length - 1] as Uint8Array);
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(compact).toHaveBeenCalledOnce();
    expect(store.logLength(DOC)).toBe(0);
    const state = await store.load(DOC);
    expect(state).toHaveLength(1);
    expect(textOf(state)).toBe("abc");
    writer.close();
  });

  it("[PS4] compacts once the log reaches compactAfterBytes", async () => {
    const store = new MemoryStore();
    const compact = vi.spyOn(store, "compact");
    const writer = createWriter(store, { flushDelayMs: 50, compactAfterBytes: 1_000 });
    const { updates, text } = editedDoc();
    text.insert(0, "small");
    writer.enqueue(updates[0] as Uint8Array);
    await vi.advanceTimersByTimeAsync(50);
    expect(compact).not.toHaveBeenCalled();
    text.insert(0, "x".repeat(1_000));
    writer.enqueue(updates[1] as Uint8Array);
    await vi.advanceTimersByTimeAsync(50);
    expect(compact).toHaveBeenCalledOnce();
    expect(store.logLength(DOC)).toBe(0);
    writer.close();
  });

  it("[PS4] a snapshot larger than compactAfterBytes raises both thresholds in proportion", async () => {
    const store = new MemoryStore();
    const compact = vi.spyOn(store, "compact");
    const writer = createWriter(store, { flushDelayMs: 50, compactAfterBytes: 1_000, compactAfterRows: 3 });
    const { updates, text } = editedDoc();
    const write = async (insert: string) => {
      text.insert(text.length, insert);
      writer.enqueue(updates[updates.length - 1] as Uint8Array);
      await vi.advanceTimersByTimeAsync(50);
    };
    await write("a".repeat(3_000));
    expect(compact).toHaveBeenCalledOnce();
    const [snapshot] = await store.load(DOC);
    expect(snapshot?.byteLength).toBeGreaterThan(3_000); // thresholds now about 3 × 1,000 bytes and 3 × 3 rows

    await write("b".repeat(1_500));
    await write("c".repeat(1_000));
    for (let i = 0; i < 5; i++) await write("d");
    expect(compact).toHaveBeenCalledOnce(); // 7 rows and ~2,500 bytes: below both
    await write("e".repeat(600));
    expect(compact).toHaveBeenCalledTimes(2); // past 3,000 bytes
    expect(store.logLength(DOC)).toBe(0);
    expect(textOf(await store.load(DOC))).toBe(text.toString());
    writer.close();
  });

  it("compact() never throws: a failed compaction is logged and the log stays", async () => {
    const store = new MemoryStore();
    vi.spyOn(store, "compact").mockRejectedValueOnce(new Error("disk full"));
    const writer = createWriter(store);
    await store.append(DOC, editedDocWith("kept"));
    await expect(writer.compact()).resolves.toBeUndefined();
    expect(store.logLength(DOC)).toBe(1);
    expect(logs.find((entry) => entry.msg?.startsWith("compaction failed"))).toMatchObject({ documentId: DOC });
    writer.close();
  });
});

function editedDocWith(content: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText("t").insert(0, content);
  return Y.encodeStateAsUpdate(doc);
}

describe("mergeToSnapshot", () => {
  it("equals applying every update, in any order, deletions included", () => {
    const all: Uint8Array[] = [];
    const docs = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
    for (const doc of docs) doc.on("update", (update: Uint8Array) => all.push(update));
    const sync = () => {
      for (const from of docs) for (const to of docs) if (from !== to) Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)), "sync");
    };
    const [a, b, c] = docs as [Y.Doc, Y.Doc, Y.Doc];
    a.getText("t").insert(0, "hello world");
    sync();
    b.getText("t").delete(0, 6);
    c.getText("t").insert(11, "!");
    a.getMap("meta").set("title", "T");
    sync();
    b.getText("t").insert(0, "brave new ");

    const expected = new Y.Doc();
    for (const update of all) Y.applyUpdate(expected, update);
    for (const order of [all, [...all].reverse()]) {
      const merged = new Y.Doc();
      Y.applyUpdate(merged, mergeToSnapshot(order));
      expect(merged.getText("t").toString()).toBe(expected.getText("t").toString());
      expect(merged.getMap("meta").toJSON()).toEqual({ title: "T" });
      expect(Y.encodeStateVector(merged)).toEqual(Y.encodeStateVector(expected));
      expect(Y.equalDeleteSets(Y.createDeleteSetFromStructStore(merged.store), Y.createDeleteSetFromStructStore(expected.store))).toBe(true);
    }
    expect(expected.getText("t").toString()).toBe("brave new world!");
  });

  it("of nothing is an empty document", () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, mergeToSnapshot([]));
    expect(doc.share.size).toBe(0);
    expect(Y.encodeStateVector(doc)).toEqual(Y.encodeStateVector(new Y.Doc()));
  });
});
