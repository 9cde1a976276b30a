/**
 * The contract every DocumentStore keeps, as one suite run against each implementation
 * (store.test.ts): the in-memory store the room tests rely on must behave like PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { DocumentStore } from "./store";
import { deferred } from "./test-support";
import { mergeToSnapshot } from "./update-writer";

export interface StoreFixture {
  store: DocumentStore;
  /** Another store on the same data: what another process (instance) would write through. */
  otherProcess(): DocumentStore;
  /** A new document the store may hold state for (PostgreSQL's foreign keys need its row). */
  createDocument(): Promise<string>;
  /**
   * Lets the document's next compaction read and merge, then holds it back, still holding its
   * lock and before it writes anything, until the returned release is called. Needs a snapshot.
   * Omitted by stores whose compaction runs as one synchronous step: for them, whatever `merge`
   * starts already happens during the compaction.
   */
  holdCompaction?(documentId: string): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** An update inserting `text` at the start of "t", by a client of its own. */
function insertion(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText("t").insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

/** Updates that build "hello world" and then delete "hello " (deletions must survive compaction). */
function editHistory(): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on("update", (update: Uint8Array) => updates.push(update));
  const text = doc.getText("t");
  text.insert(0, "hello");
  text.insert(5, " world");
  text.delete(0, 6);
  text.insert(5, "!");
  return updates;
}

const bytes = (updates: readonly Uint8Array[]) => updates.map((update) => [...update]);

function stateOf(updates: readonly Uint8Array[]): { text: string; stateVector: number[] } {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return { text: doc.getText("t").toString(), stateVector: [...Y.encodeStateVector(doc)] };
}

/**
 * Registers the DocumentStore contract as a `describe` block for one implementation.
 * `makeFixture` runs once for the block; every test works on documents of its own.
 */
export function describeStoreContract(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(`DocumentStore contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: DocumentStore;
    beforeAll(async () => {
      fixture = await makeFixture();
      store = fixture.store;
    });
    afterAll(() => fixture?.close());

    async function appendAll(documentId: string, updates: readonly Uint8Array[]): Promise<void> {
      for (const update of updates) await store.append(documentId, update);
    }

    it("load of a document without state is empty", async () => {
      expect(await store.load(await fixture.createDocument())).toEqual([]);
      expect(await store.load(crypto.randomUUID())).toEqual([]);
    });

    it("[PS2] append then load returns the updates in order", async () => {
      const documentId = await fixture.createDocument();
      const updates = editHistory();
      await appendAll(documentId, updates);
      expect(bytes(await store.load(documentId))).toEqual(bytes(updates));
      expect(stateOf(await store.load(documentId)).text).toBe("world!");
    });

    it("append tells how many rows and bytes the log holds, and how large the snapshot is", async () => {
      const documentId = await fixture.createDocument();
      const updates = editHistory();
      let total = 0;
      for (const [i, update] of updates.entries()) {
        total += update.byteLength;
        expect(await store.append(documentId, update)).toEqual({ rows: i + 1, bytes: total, snapshotBytes: 0 });
      }
      await store.compact(documentId, mergeToSnapshot);
      const [snapshot] = await store.load(documentId);
      const next = insertion("more");
      expect(await store.append(documentId, next)).toEqual({ rows: 1, bytes: next.byteLength, snapshotBytes: snapshot?.byteLength });
      expect(snapshot?.byteLength).toBeGreaterThan(0);
    });

    it("[PS3] a compaction tells apart what another process wrote since this one loaded the document", async () => {
      const documentId = await fixture.createDocument();
      const other = fixture.otherProcess();
      const [loaded, mine, theirs, mineAgain, theirsAgain] = ["loaded", "mine", "theirs", "mine again", "theirs again"].map(insertion);
      await store.append(documentId, loaded as Uint8Array);
      await store.load(documentId);
      await store.append(documentId, mine as Uint8Array);
      await other.append(documentId, theirs as Uint8Array);
      const seen: Array<{ all: number; unknown: number[][] }> = [];
      const record = (all: Uint8Array[], unknown: Uint8Array[]) => (seen.push({ all: all.length, unknown: bytes(unknown) }), mergeToSnapshot(all));
      expect(await store.compact(documentId, record)).toBe(true);
      expect(seen[0]).toEqual({ all: 3, unknown: bytes([theirs as Uint8Array]) });

      // Its own snapshot is known to it; another process's rows are not.
      await store.append(documentId, mineAgain as Uint8Array);
      await other.append(documentId, theirsAgain as Uint8Array);
      expect(await store.compact(documentId, record)).toBe(true);
      expect(seen[1]).toEqual({ all: 3, unknown: bytes([theirsAgain as Uint8Array]) });

      // A snapshot another process wrote is unknown, and so is all of a document never loaded.
      await other.append(documentId, insertion("x"));
      expect(await other.compact(documentId, mergeToSnapshot)).toBe(true);
      await store.append(documentId, insertion("y"));
      expect(await store.compact(documentId, record)).toBe(true);
      expect(seen[2]?.unknown).toHaveLength(1);
      expect(stateOf(seen[2]?.unknown.map((u) => Uint8Array.from(u)) ?? []).text).toContain("x");
      expect(stateOf(await store.load(documentId)).text).toContain("theirs again");
    });

    it("documents are separate", async () => {
      const [a, b] = [await fixture.createDocument(), await fixture.createDocument()];
      const [forA, forB] = [insertion("A"), insertion("B")];
      await store.append(a, forA);
      await store.append(b, forB);
      expect(await store.compact(a, mergeToSnapshot)).toBe(true);
      expect(stateOf(await store.load(a)).text).toBe("A");
      expect(bytes(await store.load(b))).toEqual(bytes([forB]));
      expect(await store.append(b, insertion("C"))).toMatchObject({ rows: 2 });
    });

    it("[PS3] compact merges the log into a snapshot and load still yields the same state", async () => {
      const documentId = await fixture.createDocument();
      const updates = editHistory();
      await appendAll(documentId, updates);
      const before = stateOf(await store.load(documentId));

      const merged: Uint8Array[][] = [];
      expect(await store.compact(documentId, (rows) => (merged.push(rows), mergeToSnapshot(rows)))).toBe(true);
      expect(bytes(merged[0] ?? [])).toEqual(bytes(updates));
      const after = await store.load(documentId);
      expect(after).toHaveLength(1);
      expect(stateOf(after)).toEqual(before);

      // The next compaction merges the snapshot and the rows since.
      const again = insertion("again ");
      await store.append(documentId, again);
      expect(await store.compact(documentId, (rows) => (merged.push(rows), mergeToSnapshot(rows)))).toBe(true);
      expect(bytes(merged[1] ?? [])).toEqual(bytes([...after, again]));
      const twice = await store.load(documentId);
      expect(twice).toHaveLength(1);
      expect(stateOf(twice).text).toContain("again ");
      expect(stateOf(twice).text).toContain("world!");
    });

    it("[PS3] compacting an empty log keeps the state", async () => {
      const documentId = await fixture.createDocument();
      expect(await store.compact(documentId, mergeToSnapshot)).toBe(true);
      expect(stateOf(await store.load(documentId)).text).toBe("");
      await store.append(documentId, insertion("x"));
      await store.compact(documentId, mergeToSnapshot);
      expect(await store.compact(documentId, mergeToSnapshot)).toBe(true);
      expect(stateOf(await store.load(documentId)).text).toBe("x");
    });

    it("[PS3] a row appended while a compaction runs survives it", async () => {
      const documentId = await fixture.createDocument();
      await appendAll(documentId, editHistory());
      await store.compact(documentId, mergeToSnapshot);
      await store.append(documentId, insertion("merged "));
      const late = insertion("late ");
      const expected = stateOf([...(await store.load(documentId)), late]);

      const release = await fixture.holdCompaction?.(documentId);
      const merging = deferred();
      let appended: Promise<unknown> | undefined;
      const compaction = store.compact(documentId, (rows) => {
        appended = store.append(documentId, late);
        merging.resolve();
        return mergeToSnapshot(rows);
      });
      await merging.promise;
      // The late row is committed before the compaction writes anything.
      await appended;
      await release?.();
      expect(await compaction).toBe(true);

      const state = await store.load(documentId);
      expect(bytes(state.slice(1))).toEqual(bytes([late]));
      expect(stateOf(state)).toEqual(expected);
    });

    it("[PS3] a compaction while another runs on the same document returns false and changes nothing", async () => {
      const documentId = await fixture.createDocument();
      await appendAll(documentId, editHistory());
      await store.compact(documentId, mergeToSnapshot);
      await store.append(documentId, insertion("merged "));
      const expected = stateOf(await store.load(documentId));

      const release = await fixture.holdCompaction?.(documentId);
      const merging = deferred();
      let second: Promise<boolean> | undefined;
      let secondMerged = false;
      const first = store.compact(documentId, (rows) => {
        second = store.compact(documentId, (again) => ((secondMerged = true), mergeToSnapshot(again)));
        merging.resolve();
        return mergeToSnapshot(rows);
      });
      await merging.promise;
      expect(await second).toBe(false);
      await release?.();
      expect(await first).toBe(true);
      expect(secondMerged).toBe(false);

      const state = await store.load(documentId);
      expect(state).toHaveLength(1);
      expect(stateOf(state)).toEqual(expected);
      // The lock is released with the compaction.
      expect(await store.compact(documentId, mergeToSnapshot)).toBe(true);
    });
  });
}
