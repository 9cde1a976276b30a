import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import {
  decodeAwarenessUpdate,
  decodeMessage,
  encodeAwareness,
  encodeAwarenessUpdate,
  encodeQueryAwareness,
  encodeSaved,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
  MessageType,
  ProtocolError,
  type AwarenessEntry,
} from "./protocol";

/** A document with some content, and an update holding all of it. */
function sampleDoc(text = "hello"): { doc: Y.Doc; update: Uint8Array } {
  const doc = new Y.Doc();
  doc.getText("t").insert(0, text);
  return { doc, update: Y.encodeStateAsUpdate(doc) };
}

/** A decoder positioned after the message type, as y-websocket's provider hands it to y-protocols. */
function afterType(message: Uint8Array): decoding.Decoder {
  const decoder = decoding.createDecoder(message);
  decoding.readVarUint(decoder);
  return decoder;
}

/** A y-protocols sync message, written the way y-websocket's provider writes it. */
function yProtocolsSync(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.sync);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
};

describe("decodeMessage round trips", () => {
  const { doc, update } = sampleDoc();
  const stateVector = Y.encodeStateVector(doc);

  it("sync step 1", () => {
    expect(decodeMessage(encodeSyncStep1(stateVector))).toEqual({ kind: "sync-step-1", stateVector });
  });

  it("sync step 2", () => {
    expect(decodeMessage(encodeSyncStep2(update))).toEqual({ kind: "sync-step-2", update });
  });

  it("update", () => {
    expect(decodeMessage(encodeUpdate(update))).toEqual({ kind: "update", update });
  });

  it("awareness", () => {
    const awarenessUpdate = encodeAwarenessUpdate([{ clientId: 7, clock: 3, state: { cursor: 1 } }]);
    expect(decodeMessage(encodeAwareness(awarenessUpdate))).toEqual({ kind: "awareness", update: awarenessUpdate });
  });

  it("query awareness", () => {
    expect(decodeMessage(encodeQueryAwareness())).toEqual({ kind: "query-awareness" });
  });

  it("empty payloads", () => {
    const empty = new Uint8Array(0);
    expect(decodeMessage(encodeUpdate(empty))).toEqual({ kind: "update", update: empty });
    expect(decodeMessage(encodeAwareness(empty))).toEqual({ kind: "awareness", update: empty });
  });

  it("lays out the bytes as docs/PROTOCOL.md says", () => {
    expect([...encodeSyncStep1(Uint8Array.of(9))]).toEqual([0, 0, 1, 9]);
    expect([...encodeSyncStep2(Uint8Array.of(9, 8))]).toEqual([0, 1, 2, 9, 8]);
    expect([...encodeUpdate(Uint8Array.of(9))]).toEqual([0, 2, 1, 9]);
    expect([...encodeAwareness(Uint8Array.of(5))]).toEqual([1, 1, 5]);
    expect([...encodeQueryAwareness()]).toEqual([3]);
    expect([...encodeSaved(Uint8Array.of(1, 2))]).toEqual([4, 2, 1, 2]);
  });
});

describe("awareness updates", () => {
  it("round trip through encodeAwarenessUpdate and decodeAwarenessUpdate, null meaning left", () => {
    const entries: AwarenessEntry[] = [
      { clientId: 1, clock: 0, state: {} },
      { clientId: 2 ** 32 + 5, clock: 300, state: { user: { name: "Ada" }, cursor: { anchor: 3, head: [1, "x"] } } },
      { clientId: 3, clock: 1, state: null },
    ];
    expect(decodeAwarenessUpdate(encodeAwarenessUpdate(entries))).toEqual(entries);
  });

  it("an empty update decodes to no entries", () => {
    expect(decodeAwarenessUpdate(encodeAwarenessUpdate([]))).toEqual([]);
  });
});

describe("interoperates with y-protocols (what y-websocket clients send and read)", () => {
  it("decodes syncProtocol.writeSyncStep1", () => {
    const { doc } = sampleDoc();
    expect(decodeMessage(yProtocolsSync((e) => syncProtocol.writeSyncStep1(e, doc)))).toEqual({ kind: "sync-step-1", stateVector: Y.encodeStateVector(doc) });
  });

  it("decodes syncProtocol.writeSyncStep2 and writeUpdate into updates that rebuild the document", () => {
    const { doc, update } = sampleDoc("shared text");
    const step2 = decodeMessage(yProtocolsSync((e) => syncProtocol.writeSyncStep2(e, doc, new Uint8Array([0]))));
    const live = decodeMessage(yProtocolsSync((e) => syncProtocol.writeUpdate(e, update)));
    expect(step2.kind).toBe("sync-step-2");
    expect(live).toEqual({ kind: "update", update });
    for (const message of [step2, live]) {
      if (message.kind !== "sync-step-2" && message.kind !== "update") throw new Error(`unexpected ${message.kind}`);
      const copy = new Y.Doc();
      Y.applyUpdate(copy, message.update);
      expect(copy.getText("t").toString()).toBe("shared text");
    }
  });

  it("decodes awarenessProtocol.encodeAwarenessUpdate, including removals", () => {
    const doc = new Y.Doc();
    const awareness = new awarenessProtocol.Awareness(doc);
    awareness.setLocalState({ user: { name: "Ada" }, cursor: 4 });
    awareness.setLocalStateField("cursor", 5);
    const present = decodeAwarenessUpdate(awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]));
    expect(present).toEqual([{ clientId: doc.clientID, clock: 2, state: { user: { name: "Ada" }, cursor: 5 } }]);
    awareness.setLocalState(null);
    const left = decodeAwarenessUpdate(awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]));
    expect(left).toEqual([{ clientId: doc.clientID, clock: 3, state: null }]);
    awareness.destroy();
  });

  it("y-protocols reads what the server encodes", () => {
    const { doc: server } = sampleDoc("from the server");
    const client = new Y.Doc();
    // A sync step 1 from the server is answered by the client's y-protocols with a step 2.
    const reply = encoding.createEncoder();
    expect(syncProtocol.readSyncMessage(afterType(encodeSyncStep1(Y.encodeStateVector(server))), reply, client, null)).toBe(syncProtocol.messageYjsSyncStep1);
    expect(encoding.length(reply)).toBeGreaterThan(0);
    // Step 2 and updates from the server apply.
    const step2 = encodeSyncStep2(Y.encodeStateAsUpdate(server));
    syncProtocol.readSyncMessage(afterType(step2), encoding.createEncoder(), client, null);
    expect(client.getText("t").toString()).toBe("from the server");

    const remote = new awarenessProtocol.Awareness(client);
    awarenessProtocol.applyAwarenessUpdate(remote, encodeAwarenessUpdate([{ clientId: 42, clock: 1, state: { cursor: 9 } }]), null);
    expect(remote.getStates().get(42)).toEqual({ cursor: 9 });
    awarenessProtocol.applyAwarenessUpdate(remote, encodeAwarenessUpdate([{ clientId: 42, clock: 2, state: null }]), null);
    expect(remote.getStates().has(42)).toBe(false);
    remote.destroy();
  });
});

describe("malformed messages throw ProtocolError", () => {
  const { update } = sampleDoc();
  const cases: Array<[string, Uint8Array]> = [
    ["an empty buffer", new Uint8Array(0)],
    ["an unknown message type", Uint8Array.of(99)],
    ["the auth type, which clients never send", Uint8Array.of(MessageType.auth, 0)],
    ["the saved type, which only the server sends", encodeSaved(Uint8Array.of(0))],
    ["an unknown sync type", Uint8Array.of(MessageType.sync, 3, 0)],
    ["a sync message without its sync type", Uint8Array.of(MessageType.sync)],
    ["a sync message without its payload", Uint8Array.of(MessageType.sync, 2)],
    ["a payload shorter than its length", Uint8Array.of(MessageType.sync, 2, 5, 1, 2)],
    ["an unfinished varuint", Uint8Array.of(0x80)],
    ["an awareness message without its payload", Uint8Array.of(MessageType.awareness)],
    ["trailing bytes after an update", concat(encodeUpdate(update), Uint8Array.of(0))],
    ["trailing bytes after query awareness", concat(encodeQueryAwareness(), Uint8Array.of(3))],
    ["trailing bytes after awareness", concat(encodeAwareness(Uint8Array.of(0)), Uint8Array.of(1, 2))],
  ];
  it.each(cases)("%s", (_name, data) => {
    expect(() => decodeMessage(data)).toThrow(ProtocolError);
  });

  it("a truncated message inside a larger buffer (ws hands over views of pooled buffers)", () => {
    const pool = new Uint8Array(64).fill(7);
    pool.set([MessageType.sync, 2, 10, 1, 2], 8);
    expect(() => decodeMessage(pool.subarray(8, 13))).toThrow(ProtocolError);
  });

  it("names what is wrong", () => {
    expect(() => decodeMessage(Uint8Array.of(99))).toThrow(/unknown message type 99/);
    expect(() => decodeMessage(Uint8Array.of(0, 7, 0))).toThrow(/unknown sync message type 7/);
    expect(() => decodeMessage(Uint8Array.of(0, 2))).toThrow(/truncated/);
    expect(() => decodeMessage(concat(encodeQueryAwareness(), Uint8Array.of(3, 3)))).toThrow(/2 unexpected bytes after a query-awareness message/);
  });
});

describe("malformed awareness updates throw ProtocolError", () => {
  /** An awareness update with one entry whose state is `json`, verbatim. */
  function withState(json: string): Uint8Array {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 1);
    encoding.writeVarUint(encoder, 1);
    encoding.writeVarUint(encoder, 1);
    encoding.writeVarString(encoder, json);
    return encoding.toUint8Array(encoder);
  }

  it.each(["\"text\"", "42", "true", "[1,2]", "[]"])("a state that is not an object or null: %s", (json) => {
    expect(() => decodeAwarenessUpdate(withState(json))).toThrow(ProtocolError);
    expect(() => decodeAwarenessUpdate(withState(json))).toThrow(/object or null/);
  });

  it("a state that is not JSON", () => {
    expect(() => decodeAwarenessUpdate(withState("{nope"))).toThrow(ProtocolError);
  });

  it.each([
    ["an empty buffer", new Uint8Array(0)],
    ["fewer entries than announced", concat(Uint8Array.of(2), withState("{}").subarray(1))],
    ["an entry without its state", Uint8Array.of(1, 1, 1)],
    ["a state shorter than its length", Uint8Array.of(1, 1, 1, 9, 0x7b)],
    ["trailing bytes", concat(withState("{}"), Uint8Array.of(0))],
  ])("%s", (_name, data) => {
    expect(() => decodeAwarenessUpdate(data)).toThrow(ProtocolError);
  });

  it("states that are objects or null are accepted", () => {
    expect(decodeAwarenessUpdate(withState("{}"))).toEqual([{ clientId: 1, clock: 1, state: {} }]);
    expect(decodeAwarenessUpdate(withState("null"))).toEqual([{ clientId: 1, clock: 1, state: null }]);
  });
});
