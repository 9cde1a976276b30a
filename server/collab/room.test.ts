import { afterEach, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import { InProcessBusNetwork } from "../bus/in-process-bus";
import { CloseCode } from "./close-codes";
import { MemoryStore } from "./memory-store";
import { decodeAwarenessUpdate, decodeMessage, encodeAwareness, encodeAwarenessUpdate, encodeQueryAwareness, encodeUpdate } from "./protocol";
import { RoomRegistry } from "./registry";
import { MIN_BROADCAST_INTERVAL_MS, Room, UNLIMITED, type RoomLimits } from "./room";
import type { DocumentStore, Merge } from "./store";
import { buildUser, createTestLogger, deferred, FakeConnection, nextTurn, settle, TestClient, type TestClientOptions } from "./test-support";
import { DEFAULT_WRITER_OPTIONS } from "./update-writer";

const DOC = "0b9c3a4e-2f5d-4c6b-9e1a-7d8f0a1b2c3d";

/** A MemoryStore whose load() waits until `releaseLoad()`. */
class HeldLoadStore extends MemoryStore {
  private readonly gate = deferred();
  releaseLoad(): void {
    this.gate.resolve();
  }
  override async load(documentId: string): Promise<Uint8Array[]> {
    await this.gate.promise;
    return super.load(documentId);
  }
}

/** A MemoryStore whose compact() waits until `releaseCompact()`, once `compactStarted` has resolved. */
class HeldCompactStore extends MemoryStore {
  private readonly gate = deferred();
  readonly compactStarted = deferred();
  releaseCompact(): void {
    this.gate.resolve();
  }
  override async compact(documentId: string, merge: Merge): Promise<boolean> {
    this.compactStarted.resolve();
    await this.gate.promise;
    return super.compact(documentId, merge);
  }
}

const rooms: Room[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const room of rooms.splice(0)) if (!room.isClosed) await room.shutdown();
});

function createRoom(store: DocumentStore = new MemoryStore(), onEmpty?: (room: Room) => void): Room {
  const room = new Room(DOC, { store, logger: createTestLogger().logger, writer: DEFAULT_WRITER_OPTIONS, onEmpty });
  rooms.push(room);
  return room;
}

async function loadedRoom(store: DocumentStore = new MemoryStore(), onEmpty?: (room: Room) => void): Promise<Room> {
  const room = createRoom(store, onEmpty);
  await room.load();
  return room;
}

function client(room: Room, options: TestClientOptions = {}): TestClient {
  const c = new TestClient(room, options);
  clients.push(c);
  return c;
}

/** An update that inserts `text` into a fresh document's "t". */
function textUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText("t").insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

async function storedText(store: DocumentStore): Promise<string> {
  const doc = new Y.Doc();
  for (const update of await store.load(DOC)) Y.applyUpdate(doc, update);
  return doc.getText("t").toString();
}

const roomText = (room: Room) => room.doc.getText("t").toString();

describe("loading", () => {
  it("[RM2] no client is admitted before the stored state is loaded; its messages are then handled in order", async () => {
    const store = new HeldLoadStore();
    await store.append(DOC, textUpdate("stored"));
    const room = createRoom(store);
    const loading = room.load();
    const a = client(room).connect();
    a.text.insert(0, "x");
    // Sync step 1 (with a's state vector from before "x"), then the update with "x".
    expect(a.send()).toBe(2);
    await nextTurn();

    expect(room.isReady).toBe(false);
    expect(a.connection.sent).toEqual([]);
    expect(roomText(room)).toBe("");

    store.releaseLoad();
    await loading;
    expect(room.isReady).toBe(true);
    // The waiting step 1 is answered from the stored updates first (the client decodes them while
    // the room applies them), then the room sends its own step 1.
    expect(a.connection.sent.map((m) => decodeMessage(m).kind)).toEqual(["sync-step-2", "sync-step-1"]);
    // The step 1 was answered before "x" was applied: in order, the answer lacks a's own edit.
    const answer = decodeMessage(a.connection.sent[0] as Uint8Array);
    if (answer.kind !== "sync-step-2") throw new Error(answer.kind);
    const answered = new Y.Doc();
    Y.applyUpdate(answered, answer.update);
    expect(answered.getText("t").toString()).toBe("stored");
    expect(roomText(room)).toHaveLength("storedx".length);
    expect(roomText(room)).toContain("x");

    await settle([a]);
    expect(a.text.toString()).toBe(roomText(room));
  });

  it("[RM2] a waiting step 1 from a client with content is answered with only what it lacks, across several stored updates", async () => {
    const store = new HeldLoadStore();
    const shared = new Y.Doc();
    shared.getText("t").insert(0, "one ".repeat(50));
    const first = Y.encodeStateAsUpdate(shared);
    await store.append(DOC, first);
    shared.getText("t").insert(0, "two ");
    await store.append(DOC, Y.encodeStateAsUpdate(shared, Y.encodeStateVectorFromUpdate(first)));
    const room = createRoom(store);
    const loading = room.load();
    const known = new Y.Doc();
    Y.applyUpdate(known, first);
    const a = client(room, { doc: known }).connect();
    a.send();
    store.releaseLoad();
    await loading;
    const answer = decodeMessage(a.connection.sent[0] as Uint8Array);
    if (answer.kind !== "sync-step-2") throw new Error(answer.kind);
    expect(answer.update.byteLength).toBeLessThan(first.byteLength);
    Y.applyUpdate(known, answer.update);
    expect(known.getText("t").toString()).toBe(`two ${"one ".repeat(50)}`);
  });

  it("[RM2] a malformed message waiting for the load closes its connection only; the load succeeds", async () => {
    const store = new HeldLoadStore();
    await store.append(DOC, textUpdate("stored"));
    const room = createRoom(store);
    const loading = room.load();
    const bad = client(room).connect();
    const good = client(room).connect();
    room.receive(bad.connection, Uint8Array.of(0, 0, 5, 1));
    good.send();
    store.releaseLoad();
    await loading;
    expect(room.isReady).toBe(true);
    expect(bad.connection.closed?.code).toBe(CloseCode.malformedMessage);
    await settle([good]);
    expect(good.text.toString()).toBe("stored");
  });

  it("[RM2] every connection that waited is admitted once loaded", async () => {
    const store = new HeldLoadStore();
    const room = createRoom(store);
    const loading = room.load();
    const waiting = [client(room).connect(), client(room).connect(), client(room, { readOnly: true }).connect()];
    for (const c of waiting) c.send();
    store.releaseLoad();
    await loading;
    for (const c of waiting) expect(c.connection.sentOf("sync-step-1")).toHaveLength(1);
    expect(room.connectionCount).toBe(3);
  });

  it("[RM2] a large stored document waits for the joined client's step 1 and answers it from the stored bytes, then applies them", async () => {
    const store = new HeldLoadStore();
    const large = "large ".repeat(20_000);
    await store.append(DOC, textUpdate(large));
    const room = createRoom(store);
    const loading = room.load();
    const a = client(room).connect();
    // The query returns before the client has said anything (as it often does in a cold load).
    store.releaseLoad();
    await nextTurn();
    expect(room.isReady).toBe(false);

    a.send();
    await nextTurn(); // not the 100 ms a silent client costs
    expect(room.isReady).toBe(true);
    await loading;
    // Answered while loading, before the room's own step 1 from admission.
    expect(a.connection.sent.map((m) => decodeMessage(m).kind)).toEqual(["sync-step-2", "sync-step-1"]);
    await settle([a]);
    expect(a.text.toString()).toBe(large);
    expect(roomText(room)).toBe(large);
  });

  it("[RM2] a client that says nothing holds a large document's load up for at most 100 ms; a small one not at all", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setImmediate", "clearImmediate", "performance"] });
    try {
      const large = new MemoryStore();
      await large.append(DOC, textUpdate("large ".repeat(20_000)));
      const waits = createRoom(large);
      client(waits).connect(); // never sends
      const loading = waits.load();
      await vi.advanceTimersByTimeAsync(99);
      expect(waits.isReady).toBe(false);
      await vi.advanceTimersByTimeAsync(2);
      expect(waits.isReady).toBe(true);
      await loading;

      const small = new MemoryStore();
      await small.append(DOC, textUpdate("small"));
      const quick = createRoom(small);
      client(quick).connect();
      const loaded = quick.load();
      await vi.advanceTimersByTimeAsync(0);
      expect(quick.isReady).toBe(true);
      await loaded;
    } finally {
      vi.useRealTimers();
    }
  });

  it("[RM3] a failed load closes the waiting connections with loadFailed and writes nothing", async () => {
    const store = new MemoryStore();
    store.failNext = 1;
    const room = createRoom(store);
    const a = client(room).connect();
    const b = client(room).connect();
    a.text.insert(0, "never stored");
    a.send();
    await expect(room.load()).rejects.toThrow(/simulated load failure/);

    for (const c of [a, b]) expect(c.connection.closes).toEqual([{ code: CloseCode.loadFailed, reason: expect.any(String) }]);
    expect(a.connection.sent).toEqual([]);
    expect(room.connectionCount).toBe(0);
    expect(room.unsavedUpdates).toBe(0);
    await room.flush();
    expect(store.appendCalls).toBe(0);
    expect(await store.load(DOC)).toEqual([]);

    // A connection that comes later is refused the same way instead of waiting forever.
    const late = new FakeConnection();
    room.join(late, buildUser(), { readOnly: false });
    expect(late.closed?.code).toBe(CloseCode.loadFailed);
  });
});

describe("syncing", () => {
  it("[RM4] a late joiner gets sync step 1 and the awareness states on admission, then the full state", async () => {
    const room = await loadedRoom();
    const a = client(room).connect();
    a.text.insert(0, "hello");
    a.awareness.setLocalState({ cursor: 5 });
    await settle([a]);

    const late = client(room).connect();
    expect(late.connection.sent.map((m) => decodeMessage(m).kind)).toEqual(["sync-step-1", "awareness"]);
    await settle([a, late]);
    expect(late.text.toString()).toBe("hello");
    expect(late.awareness.getStates().get(a.doc.clientID)).toMatchObject({ cursor: 5 });
  });

  it("[RM4] a client's sync step 1 is answered with exactly what it lacks", async () => {
    const room = await loadedRoom();
    const a = client(room).connect();
    a.text.insert(0, "from a");
    await settle([a]);
    // b starts with a copy of a's content (e.g. from IndexedDB), then c adds more.
    const offline = new Y.Doc();
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(a.doc));
    const c = client(room).connect();
    c.text.insert(0, "from c ");
    await settle([a, c]);

    const b = client(room, { doc: offline }).connect();
    b.send();
    const [answer] = b.connection.sentOf("sync-step-2");
    if (!answer) throw new Error("no sync step 2");
    const message = decodeMessage(answer);
    if (message.kind !== "sync-step-2") throw new Error(message.kind);
    const clientsInAnswer = new Set(Y.decodeUpdate(message.update).structs.map((struct) => struct.id.client));
    expect(clientsInAnswer).toEqual(new Set([c.doc.clientID]));
    await settle([a, b, c]);
    expect(b.text.toString()).toBe(roomText(room));
  });

  it("three clients editing concurrently converge, in the room and in the store", async () => {
    const store = new MemoryStore();
    const room = await loadedRoom(store);
    const [a, b, c] = [client(room).connect(), client(room).connect(), client(room).connect()];
    a.text.insert(0, "base text");
    await settle([a, b, c]);

    // Each edits without having seen the others' edits.
    a.text.insert(0, "A1 ");
    b.text.insert(4, "B1 ");
    c.text.delete(0, 4);
    c.text.insert(c.text.length, " C1");
    c.send();
    a.send();
    await nextTurn();
    b.text.insert(0, "B2 ");
    b.send();
    a.text.insert(a.text.length, " A2");
    await settle([a, b, c]);

    const expected = roomText(room);
    for (const text of ["A1", "A2", "B1", "B2", "C1"]) expect(expected).toContain(text);
    for (const peer of [a, b, c]) expect(peer.text.toString()).toBe(expected);
    await room.flush();
    expect(await storedText(store)).toBe(expected);
  });

  it("[RM5] updates from several clients in one turn reach each receiver as one message, encoded once", async () => {
    const room = await loadedRoom();
    const [a, b, c] = [client(room).connect(), client(room).connect(), client(room).connect()];
    await settle([a, b, c]);
    const before = [a, b, c].map((p) => p.connection.sentOf("update").length);

    a.text.insert(0, "a");
    b.text.insert(0, "b");
    a.text.insert(0, "a");
    expect(a.send() + b.send()).toBe(3);
    await nextTurn();

    const received = [a, b, c].map((p, i) => p.connection.sentOf("update").slice(before[i]));
    for (const messages of received) expect(messages).toHaveLength(1);
    // The same bytes for everyone: encoded once.
    expect(received[1]?.[0]).toBe(received[0]?.[0]);
    expect(received[2]?.[0]).toBe(received[0]?.[0]);
    c.receive();
    expect([...c.text.toString()].sort().join("")).toBe("aab");
  });

  it("[RM5] a lone sender does not get its own updates back; the others get them as one message", async () => {
    const room = await loadedRoom();
    const [a, b, c] = [client(room).connect(), client(room).connect(), client(room).connect()];
    await settle([a, b, c]);
    const before = [a, b, c].map((p) => p.connection.sentOf("update").length);

    a.text.insert(0, "one");
    a.text.insert(0, "two ");
    a.send();
    await nextTurn();

    expect([a, b, c].map((p, i) => p.connection.sentOf("update").length - (before[i] ?? 0))).toEqual([0, 1, 1]);
    b.receive();
    expect(b.text.toString()).toBe("two one");
  });

  it("[RM5] a quiet room broadcasts every turn; a busy one spaces its broadcasts out, merged", async () => {
    // The room's clock is fake, so that what counts as busy does not depend on how fast this
    // machine runs the loop (on a loaded CI machine every real turn took longer than a window).
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setImmediate", "clearImmediate", "performance"] });
    try {
      const room = await loadedRoom();
      const [a, b] = [client(room).connect(), client(room).connect()];
      await settle([a, b]);
      const received = () => b.connection.sentOf("update").length;
      // The joins' broadcasts came close together: a pause makes the room quiet.
      await vi.advanceTimersByTimeAsync(100);

      // Quiet: edits 10 ms apart each go out in their own turn.
      let before = received();
      for (let i = 0; i < 3; i++) {
        a.text.insert(a.text.length, `q${i} `);
        a.send();
        await vi.advanceTimersByTimeAsync(0);
        expect(received() - before).toBe(i + 1);
        await vi.advanceTimersByTimeAsync(10);
      }

      // Busy: an edit every millisecond for 100 ms reaches b as far fewer messages.
      before = received();
      const edits = 100;
      for (let i = 0; i < edits; i++) {
        a.text.insert(a.text.length, "x");
        a.send();
        await vi.advanceTimersByTimeAsync(1);
      }
      await vi.advanceTimersByTimeAsync(10);
      const messages = received() - before;
      // A few broadcasts of their own until the room's mean gap says busy, then one per window.
      const windows = edits / MIN_BROADCAST_INTERVAL_MS;
      expect(messages).toBeGreaterThanOrEqual(windows);
      expect(messages).toBeLessThanOrEqual(windows + 10);
      b.receive();
      expect(b.text.toString()).toBe(a.text.toString());
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("saved acknowledgements", () => {
  it("[AK1] a client with acks gets the durable state vector on admission and after every stored batch; others never", async () => {
    const store = new MemoryStore();
    await store.append(DOC, textUpdate("stored"));
    const room = await loadedRoom(store);
    const tandem = client(room, { acks: true }).connect();
    const plain = client(room).connect();
    await settle([tandem, plain]);
    expect(tandem.saved).toHaveLength(1);
    expect(Y.decodeStateVector(tandem.saved[0] as Uint8Array)).toEqual(Y.decodeStateVector(Y.encodeStateVector(room.doc)));

    tandem.text.insert(0, "new ");
    await settle([tandem, plain]);
    expect(tandem.saved).toHaveLength(1);
    await room.flush();
    await settle([tandem, plain]);
    expect(tandem.saved).toHaveLength(2);
    expect(Y.decodeStateVector(tandem.saved[1] as Uint8Array).get(tandem.doc.clientID)).toBe(tandem.text.length - "stored".length);
    expect(plain.connection.sentOf("saved")).toEqual([]);
  });

  it("[AK1] the acknowledgement advances with every later batch of the same client, not only its first", async () => {
    const store = new MemoryStore();
    const room = await loadedRoom(store);
    const tandem = client(room, { acks: true }).connect();
    await settle([tandem]);
    for (const word of ["one ", "two ", "three "]) {
      tandem.text.insert(tandem.text.length, word);
      await settle([tandem]);
      await room.flush();
      await settle([tandem]);
      const saved = Y.decodeStateVector(tandem.saved.at(-1) as Uint8Array);
      expect(saved.get(tandem.doc.clientID)).toBe(tandem.text.length);
    }
  });
});

describe("read-only connections", () => {
  it("[RO1] a viewer receives the document and every update and awareness change", async () => {
    const store = new MemoryStore();
    await store.append(DOC, textUpdate("stored "));
    const room = await loadedRoom(store);
    const editor = client(room).connect();
    const viewer = client(room, { readOnly: true }).connect();
    await settle([editor, viewer]);
    expect(viewer.text.toString()).toBe("stored ");

    editor.text.insert(editor.text.length, "and live");
    editor.awareness.setLocalState({ cursor: 7 });
    await settle([editor, viewer]);
    expect(viewer.text.toString()).toBe("stored and live");
    expect(viewer.awareness.getStates().get(editor.doc.clientID)).toMatchObject({ cursor: 7, user: { id: editor.user.id } });
  });

  it("[RO2] a viewer's updates and sync step 2 are not applied, stored or relayed", async () => {
    const store = new MemoryStore();
    const room = await loadedRoom(store);
    const editor = client(room).connect();
    // The viewer has offline content, which its sync step 2 offers the room.
    const offline = new Y.Doc();
    offline.getText("t").insert(0, "offline ");
    const viewer = client(room, { readOnly: true, doc: offline }).connect();
    await settle([editor, viewer]);
    viewer.text.insert(0, "live ");
    await settle([editor, viewer]);

    expect(viewer.isClosed).toBe(false);
    expect(roomText(room)).toBe("");
    expect(editor.text.toString()).toBe("");
    expect(editor.connection.sentOf("update")).toEqual([]);
    expect(room.unsavedUpdates).toBe(0);
    await room.flush();
    expect(store.appendCalls).toBe(0);
  });

  it("[RO2] an editor downgraded to viewer can no longer write", async () => {
    const room = await loadedRoom();
    const editor = client(room).connect();
    const other = client(room).connect();
    await settle([editor, other]);
    room.setReadOnly(editor.user.id, true);
    editor.text.insert(0, "refused");
    await settle([editor, other]);
    expect(roomText(room)).toBe("");
    expect(other.text.toString()).toBe("");
  });

  it("[RO3] a viewer's awareness (cursor) is relayed", async () => {
    const room = await loadedRoom();
    const editor = client(room).connect();
    const viewer = client(room, { readOnly: true }).connect();
    await settle([editor, viewer]);
    viewer.awareness.setLocalState({ cursor: { anchor: 2, head: 4 } });
    await settle([editor, viewer]);
    expect(editor.awareness.getStates().get(viewer.doc.clientID)).toEqual({ cursor: { anchor: 2, head: 4 }, user: viewer.user });
  });
});

describe("awareness", () => {
  it("[AW1] every state a connection sends carries that connection's authenticated user", async () => {
    const room = await loadedRoom();
    const mallory = client(room, { user: buildUser({ name: "Mallory" }) }).connect();
    const bob = client(room, { user: buildUser({ name: "Bob" }) }).connect();
    await settle([mallory, bob]);

    mallory.awareness.setLocalState({ user: { id: bob.user.id, name: "Bob", color: "#000000" }, cursor: 1 });
    await settle([mallory, bob]);
    expect(bob.awareness.getStates().get(mallory.doc.clientID)).toEqual({ user: mallory.user, cursor: 1 });
    expect(room.awareness.getStates().get(mallory.doc.clientID)).toEqual({ user: mallory.user, cursor: 1 });
    // A state without a user gets one too.
    mallory.awareness.setLocalState({ cursor: 2 });
    await settle([mallory, bob]);
    expect(bob.awareness.getStates().get(mallory.doc.clientID)).toEqual({ user: mallory.user, cursor: 2 });
  });

  /** A raw awareness message about `clientId`, as a hostile client could send it. */
  const forged = (clientId: number, clock: number, state: Record<string, unknown> | null) => encodeAwareness(encodeAwarenessUpdate([{ clientId, clock, state }]));

  it("[AW2] another connection cannot change a client id it did not announce", async () => {
    const room = await loadedRoom();
    const [a, b, c] = [client(room).connect(), client(room).connect(), client(room).connect()];
    a.awareness.setLocalState({ cursor: 1 });
    await settle([a, b, c]);

    b.queue(forged(a.doc.clientID, 100, { cursor: 666 }));
    await settle([a, b, c]);
    expect(b.isClosed).toBe(false);
    expect(room.awareness.getStates().get(a.doc.clientID)).toEqual({ cursor: 1, user: a.user });
    expect(c.awareness.getStates().get(a.doc.clientID)).toEqual({ cursor: 1, user: a.user });

    // The owner still can.
    a.awareness.setLocalStateField("cursor", 2);
    await settle([a, b, c]);
    expect(c.awareness.getStates().get(a.doc.clientID)).toEqual({ cursor: 2, user: a.user });
  });

  it("[AW2] another connection cannot remove a client id it did not announce", async () => {
    const room = await loadedRoom();
    const [a, b, c] = [client(room).connect(), client(room).connect(), client(room).connect()];
    a.awareness.setLocalState({ cursor: 1 });
    await settle([a, b, c]);

    b.queue(forged(a.doc.clientID, 100, null));
    await settle([a, b, c]);
    expect(room.awareness.getStates().has(a.doc.clientID)).toBe(true);
    expect(c.awareness.getStates().get(a.doc.clientID)).toEqual({ cursor: 1, user: a.user });
  });

  it("[AW3] when a connection closes its awareness states are removed and the removal is broadcast", async () => {
    const room = await loadedRoom();
    const [a, b] = [client(room).connect(), client(room).connect()];
    a.awareness.setLocalState({ cursor: 1 });
    await settle([a, b]);
    expect(b.awareness.getStates().has(a.doc.clientID)).toBe(true);
    const before = b.connection.sentOf("awareness").length;

    a.disconnect();
    expect(room.awareness.getStates().has(a.doc.clientID)).toBe(false);
    await nextTurn();
    const removals = b.connection.sentOf("awareness").slice(before);
    expect(removals).toHaveLength(1);
    const message = decodeMessage(removals[0] as Uint8Array);
    if (message.kind !== "awareness") throw new Error(message.kind);
    expect(decodeAwarenessUpdate(message.update)).toEqual([{ clientId: a.doc.clientID, clock: expect.any(Number), state: null }]);
    b.receive();
    expect(b.awareness.getStates().has(a.doc.clientID)).toBe(false);
  });

  it("query awareness is answered with every state", async () => {
    const room = await loadedRoom();
    const [a, b] = [client(room).connect(), client(room).connect()];
    a.awareness.setLocalState({ cursor: 1 });
    b.awareness.setLocalState({ cursor: 2 });
    await settle([a, b]);
    const before = b.connection.sentOf("awareness").length;
    b.queue(encodeQueryAwareness());
    b.send();
    const [answer] = b.connection.sentOf("awareness").slice(before);
    if (!answer) throw new Error("no answer");
    const message = decodeMessage(answer);
    if (message.kind !== "awareness") throw new Error(message.kind);
    expect(decodeAwarenessUpdate(message.update).map((e) => e.clientId).sort()).toEqual([a.doc.clientID, b.doc.clientID].sort());
  });
});

describe("malformed messages", () => {
  it.each([
    ["an unknown message type", Uint8Array.of(42)],
    ["a truncated message", Uint8Array.of(0, 2, 9, 1)],
    ["trailing bytes", Uint8Array.of(3, 0)],
    ["an invalid Yjs update", encodeUpdate(Uint8Array.of(1, 2, 3))],
    ["an invalid awareness state", encodeAwareness(Uint8Array.of(1, 1, 1, 2, 0x34, 0x32))],
  ])("[RM7] %s closes only that connection with malformedMessage; the room and the others carry on", async (_name, bad) => {
    const store = new MemoryStore();
    const room = await loadedRoom(store);
    const [a, b, c] = [client(room).connect(), client(room).connect(), client(room).connect()];
    a.awareness.setLocalState({ cursor: 1 });
    await settle([a, b, c]);

    a.queue(bad);
    a.text.insert(0, "after the bad message");
    a.send();
    expect(a.connection.closes).toEqual([{ code: CloseCode.malformedMessage, reason: expect.stringMatching(/./) }]);
    expect(room.connectionCount).toBe(2);
    // Nothing after the malformed message is handled.
    expect(roomText(room)).toBe("");

    b.text.insert(0, "still working");
    await settle([a, b, c]);
    expect(c.text.toString()).toBe("still working");
    expect(c.awareness.getStates().has(a.doc.clientID)).toBe(false);
    await room.flush();
    expect(await storedText(store)).toBe("still working");
  });
});

describe("truncated updates", () => {
  it("[RM7] an update cut anywhere is never applied, relayed or stored, even when only its delete set is cut", async () => {
    const store = new MemoryStore();
    const room = await loadedRoom(store);
    const [writer, watcher] = [client(room).connect(), client(room).connect()];
    writer.text.insert(0, "hello world");
    await settle([writer, watcher]);
    // An update that inserts and deletes: its delete set comes after its structs.
    const before = Y.encodeStateVector(writer.doc);
    const edit = new Y.Doc();
    Y.applyUpdate(edit, Y.encodeStateAsUpdate(writer.doc));
    edit.getText("t").delete(0, 3);
    edit.getText("t").insert(5, "MARKER");
    const whole = Y.encodeStateAsUpdate(edit, before);
    edit.destroy();

    for (let cut = 1; cut < whole.byteLength; cut++) {
      const fresh = client(room).connect();
      await settle([fresh]);
      fresh.queue(encodeUpdate(whole.slice(0, cut)));
      fresh.send();
      expect(fresh.connection.closed?.code, `cut at ${cut} of ${whole.byteLength}`).toBe(CloseCode.malformedMessage);
      expect(roomText(room), `cut at ${cut}`).toBe("hello world");
    }
    await settle([watcher]);
    expect(watcher.text.toString()).toBe("hello world");
    await room.flush();
    expect(await storedText(store)).toBe("hello world");
  });
});

describe("limits", () => {
  const limited = async (limits: Partial<RoomLimits>, store: DocumentStore = new MemoryStore()) => {
    const room = new Room(DOC, { store, logger: createTestLogger().logger, writer: DEFAULT_WRITER_OPTIONS, limits: { ...UNLIMITED, ...limits } });
    rooms.push(room);
    return room;
  };

  it("[LM4] an awareness update over the limit closes its connection with 1009 and is not relayed", async () => {
    const room = await limited({ maxAwarenessBytes: 1_024 });
    await room.load();
    const [a, b] = [client(room).connect(), client(room).connect()];
    await settle([a, b]);
    a.awareness.setLocalState({ cursor: 1, note: "x".repeat(2_000) });
    await settle([a, b]);
    expect(a.connection.closed).toEqual({ code: CloseCode.messageTooBig, reason: expect.stringMatching(/Awareness state larger than 1 KiB/) });
    expect(b.awareness.getStates().has(a.doc.clientID)).toBe(false);
    expect(b.isClosed).toBe(false);
  });

  it("[LM5] a write that would take the document past its size limit is refused with 4413; deletions still pass", async () => {
    const store = new MemoryStore();
    const room = await limited({ maxDocumentBytes: 4_096 }, store);
    await room.load();
    const [a, b] = [client(room).connect(), client(room).connect()];
    a.text.insert(0, "x".repeat(2_000));
    await settle([a, b]);
    expect(b.text.length).toBe(2_000);

    // Deleting never makes the document larger in content: it passes even at the limit.
    const full = client(room).connect();
    await settle([full]);
    full.text.insert(0, "y".repeat(3_000));
    await settle([full, b]);
    expect(full.connection.closed).toEqual({ code: CloseCode.documentTooLarge, reason: expect.stringMatching(/size limit \(4 KiB\)/) });
    expect(b.text.length).toBe(2_000);

    a.text.delete(0, 1_000);
    await settle([a, b]);
    expect(a.isClosed).toBe(false);
    expect(b.text.length).toBe(1_000);
    await room.flush();
    expect(await storedText(store)).toBe("x".repeat(1_000));
  });

  it("[LM6] a client sending more than the queue holds while the room loads is closed with 4429; the others are admitted", async () => {
    const store = new HeldLoadStore();
    const room = await limited({ queueMessages: 5 }, store);
    const loading = room.load();
    const [flood, calm] = [client(room).connect(), client(room).connect()];
    for (let i = 0; i < 10; i++) flood.queue(encodeQueryAwareness());
    flood.send();
    calm.send();
    expect(flood.connection.closed).toEqual({ code: CloseCode.rateLimited, reason: expect.stringMatching(/loads/) });
    store.releaseLoad();
    await loading;
    await settle([calm]);
    expect(calm.isClosed).toBe(false);
    expect(room.connectionCount).toBe(1);
  });
});

describe("unloading", () => {
  it("[RM6] once the last connection has gone, unload stores everything, compacts the log and closes the room", async () => {
    const store = new MemoryStore();
    const onEmpty = vi.fn();
    const room = createRoom(store, onEmpty);
    const a = client(room).connect();
    await room.load();
    expect(onEmpty).not.toHaveBeenCalled();
    for (const word of ["one ", "two ", "three"]) a.text.insert(a.text.length, word);
    await settle([a]);
    a.disconnect();
    expect(onEmpty).toHaveBeenCalledExactlyOnceWith(room);

    expect(await room.unload()).toBe(true);
    expect(room.isClosed).toBe(true);
    expect(store.logLength(DOC)).toBe(0);
    expect(await store.load(DOC)).toHaveLength(1);
    expect(await storedText(store)).toBe("one two three");
  });

  it.each([
    ["with other instances (Redis)", true],
    // Alone, too: e.g. a second room of the same document (an id spelt differently) stored it.
    ["alone", false],
  ])("[PS3] %s, a compaction keeps a stored row the room never received, and its clients get it", async (_name, withBus) => {
    const store = new MemoryStore();
    const bus = withBus ? new InProcessBusNetwork().connect() : undefined;
    const room = new Room(DOC, { store, bus, logger: createTestLogger().logger, writer: { ...DEFAULT_WRITER_OPTIONS, compactAfterRows: 2 } });
    rooms.push(room);
    await room.load();
    const a = client(room).connect();
    a.text.insert(0, "mine ");
    await settle([a]);
    await room.flush();
    // Another process stored this; this room never received it.
    await store.handle().append(DOC, textUpdate("theirs "));

    // The next row brings the log to the threshold: the room compacts while a is connected.
    a.text.insert(a.text.length, "again");
    await settle([a]);
    await room.flush();
    await vi.waitFor(() => expect(store.logLength(DOC)).toBe(0));
    const stored = await storedText(store);
    for (const part of ["mine ", "theirs ", "again"]) expect(stored).toContain(part);
    await settle([a]);
    expect(a.text.toString()).toBe(stored);
    // Not stored again: it came from the store.
    expect(room.unsavedUpdates).toBe(0);
  });

  it("[RM6] a client joining while the room unloads keeps it loaded", async () => {
    const store = new MemoryStore();
    const room = await loadedRoom(store);
    const a = client(room).connect();
    a.text.insert(0, "hello");
    await settle([a]);
    a.disconnect();

    const unloading = room.unload();
    const b = client(room).connect();
    expect(await unloading).toBe(false);
    expect(room.isReady).toBe(true);
    await settle([b]);
    expect(b.text.toString()).toBe("hello");
    b.text.insert(5, " again");
    await settle([b]);
    await room.flush();
    expect(await storedText(store)).toBe("hello again");
  });

  it("[RM6] edits by a client that came and went during the compaction are stored before the room closes", async () => {
    const store = new HeldCompactStore();
    const room = await loadedRoom(store);
    const a = client(room).connect();
    a.text.insert(0, "first");
    await settle([a]);
    a.disconnect();

    const unloading = room.unload();
    await store.compactStarted.promise;
    const b = client(room).connect();
    await settle([b]);
    b.text.insert(5, " second");
    await settle([b]);
    b.disconnect();
    store.releaseCompact();
    expect(await unloading).toBe(true);
    expect(room.isClosed).toBe(true);
    expect(await storedText(store)).toBe("first second");
  });
});

describe("RoomRegistry", () => {
  it("[RM3] after a failed load the next join tries again", async () => {
    const store = new MemoryStore();
    store.failNext = 1;
    const registry = new RoomRegistry({ store, logger: createTestLogger().logger });
    const first = new FakeConnection();
    registry.join(DOC, first, buildUser(), { readOnly: false });
    await vi.waitFor(() => expect(registry.size).toBe(0));
    expect(first.closed?.code).toBe(CloseCode.loadFailed);

    const second = new FakeConnection();
    const room = registry.join(DOC, second, buildUser(), { readOnly: false });
    rooms.push(room);
    await vi.waitFor(() => expect(second.sentOf("sync-step-1")).toHaveLength(1));
    expect(second.closed).toBeUndefined();
  });

  it("[RM6] the last connection leaving unloads the room", async () => {
    const store = new MemoryStore();
    const registry = new RoomRegistry({ store, logger: createTestLogger().logger });
    const connection = new FakeConnection();
    const room = registry.join(DOC, connection, buildUser(), { readOnly: false });
    rooms.push(room);
    await vi.waitFor(() => expect(room.isReady).toBe(true));
    room.receive(connection, encodeUpdate(textUpdate("kept")));
    room.leave(connection);
    await vi.waitFor(() => expect(registry.size).toBe(0));
    expect(room.isClosed).toBe(true);
    expect(await storedText(store)).toBe("kept");
  });

  it("[RM6] a room whose only connection left while it loaded is unloaded once loaded", async () => {
    const store = new HeldLoadStore();
    const registry = new RoomRegistry({ store, logger: createTestLogger().logger });
    const connection = new FakeConnection();
    const room = registry.join(DOC, connection, buildUser(), { readOnly: false });
    rooms.push(room);
    room.leave(connection);
    store.releaseLoad();
    await vi.waitFor(() => expect(registry.size).toBe(0));
    expect(room.isClosed).toBe(true);
  });
});
