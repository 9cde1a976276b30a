/**
 * Fuzzing `/collab` over real sockets against the real server and PostgreSQL: tens of thousands
 * of random, truncated and mutated frames, with valid messages mixed in so that connections
 * live between bad frames ([RM7], [RM8], [RO2], docs/PROTOCOL.md).
 *
 * What must hold throughout: a malformed message closes its own connection only, with 4400 and
 * a reason (an oversized one with 1009; a rate limit's 4429 is an acceptable refusal too); the
 * server never throws; two bystanders in the same document keep exchanging edits; and what is
 * stored is exactly what valid writes produce — a viewer's writes never, an editor's truncated or
 * otherwise invalid update never, not even its first half.
 *
 * Every frame comes from a seeded PRNG: the seed is printed, and `FUZZ_SEED=<seed>` replays a
 * run. Each lane's frames depend on the seed and on which of its batches the server closed (a
 * new connection draws new awareness ids), not on timing; a failure names the seed, the lane
 * and the batch, with the frame's bytes.
 */
import * as encoding from "lib0/encoding";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import * as Y from "yjs";
import { mergeToSnapshot, PostgresStore } from "../../server/collab";
import { CloseCode } from "../../server/collab/close-codes";
import {
  decodeMessage,
  encodeAwareness,
  encodeAwarenessUpdate,
  encodeQueryAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
  MessageType,
  SyncType,
} from "../../server/collab/protocol";
import { createDatabaseClients } from "../../server/db/prisma";
import { connectPeer, type CollabPeer } from "../helpers/collab-client";
import { startTestServer, type TestServer } from "../helpers/server";
import { fuzzSeed, Random, signedIn, watchProcessFailures, type SignedInClient } from "./support";

const SEED = fuzzSeed();
console.log(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);

/** Frames per phase (probes not counted); together at least 50,000. */
const VIEWER_FRAMES = 36_000;
const EDITOR_FRAMES = 16_000;
/** Fuzzing connections open at once, each sending batch after batch. */
const LANES = 8;
/** Every this many frames (per phase), one bystander appends a paragraph and the other must see it. */
const EXCHANGE_EVERY = 2_000;
/** Bounded waits: they only matter when something is wrong (or the machine is very busy). */
const ANSWER_TIMEOUT_MS = 20_000;
const EXCHANGE_TIMEOUT_MS = 15_000;
const PHASE_TIMEOUT_MS = 150_000;
/** A lower payload limit than the default, so that oversized frames stay cheap to make. */
const MAX_PAYLOAD_BYTES = 128 * 1024;

/** Closes a fuzzed connection may get: malformed (4400, with a reason), too big (1009), rate limited (4429). */
const ACCEPTABLE_CLOSES: ReadonlySet<number> = new Set([CloseCode.malformedMessage, CloseCode.messageTooBig, CloseCode.rateLimited]);
/**
 * Writes that must never be applied carry a marker: "TRUNC<lane>x<n>" (an update cut short),
 * "TRAIL<lane>x<n>" (an update in a message with trailing bytes), "VIEWER<lane>.<n>" (a viewer's
 * write). None may reach a document; the kind of frame each was sent in is kept to report it.
 */
const MARKER_PATTERN = /TRUNC[\dx]*|TRAIL[\dx]*|VIEWER[\d.]*/g;
const markerKinds = new Map<string, string>();

/** The markers in `bytes` (an update, a stored row). */
function markersIn(bytes: Uint8Array): string[] {
  return Buffer.from(bytes).toString("latin1").match(MARKER_PATTERN) ?? [];
}

/** Found markers, counted by the kind of frame that carried them, with a few examples: [] when none. */
function markerReport(found: readonly string[]): string[] {
  const unique = [...new Set(found)];
  if (unique.length === 0) return [];
  const byKind = new Map<string, number>();
  for (const marker of unique) increment(byKind, markerKinds.get(marker) ?? (marker.startsWith("VIEWER") ? "valid update of the viewer" : "unknown (partial marker)"));
  return [`${unique.length} markers that must never be applied`, ...[...byKind].map(([kind, count]) => `${kind}: ${count}`), `e.g. ${unique.slice(0, 5).join(", ")}`];
}

type Role = "viewer" | "editor";
/** What the server must do with a frame: keep the connection ("valid"), close it with 4400 ("malformed"), or either. */
type Expectation = "valid" | "malformed" | "unknown";

interface Frame {
  kind: string;
  expect: Expectation;
  data: Uint8Array | string;
}

/** Frames sent and what became of them, per phase. */
interface Stats {
  frames: number;
  probes: number;
  connections: number;
  batches: number;
  answered: number;
  closes: Map<number, number>;
  /** Closes by code and reason. */
  reasons: Map<string, number>;
  /** Frames sent per kind. */
  kinds: Map<string, number>;
  /** The closes each final frame kind of a batch drew. */
  closesByKind: Map<string, Map<number, number>>;
  exchanges: number;
  /** Sync step 2s of a lane's whole state sent after a close that may have dropped valid writes. */
  resyncs: number;
  /** Problems found, by category: how many, and the first few in full (seed, lane, batch, frame). */
  failures: Map<string, { count: number; examples: string[] }>;
}

function newStats(): Stats {
  return { frames: 0, probes: 0, connections: 0, batches: 0, answered: 0, closes: new Map(), reasons: new Map(), kinds: new Map(), closesByKind: new Map(), exchanges: 0, resyncs: 0, failures: new Map() };
}

function fail(stats: Stats, category: string, detail: string): void {
  const entry = stats.failures.get(category) ?? { count: 0, examples: [] };
  entry.count += 1;
  if (entry.examples.length < 3) entry.examples.push(detail);
  stats.failures.set(category, entry);
}

/** The problems found, one line per category with its examples: [] when none. */
function failureReport(stats: Stats): string[] {
  return [...stats.failures].map(([category, { count, examples }]) => `${category} ×${count}: ${examples.join(" | ")}`);
}

const increment = <K>(map: Map<K, number>, key: K, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

function hex(data: Uint8Array | string, max = 48): string {
  if (typeof data === "string") return `text ${JSON.stringify(data.slice(0, max))}`;
  const shown = Buffer.from(data.subarray(0, max)).toString("hex");
  return data.byteLength > max ? `${shown}… (${data.byteLength} bytes)` : shown;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function varuint(value: number): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, value);
  return encoding.toUint8Array(encoder);
}

/** A varuint past 2^53: lib0 refuses to read it. */
const OVERFLOWING_VARUINT = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);

/** An awareness update written by hand, so that its JSON can be anything. */
function rawAwarenessUpdate(entries: ReadonlyArray<{ clientId: Uint8Array; clock: Uint8Array; json: string }>, count = entries.length): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, count);
  for (const entry of entries) {
    encoding.writeUint8Array(encoder, entry.clientId);
    encoding.writeUint8Array(encoder, entry.clock);
    encoding.writeVarString(encoder, entry.json);
  }
  return encoding.toUint8Array(encoder);
}

/** Length of the delete set at the end of a v1 update (its layout: docs of Yjs's update format). */
function deleteSetLength(update: Uint8Array): number {
  const { ds } = Y.decodeUpdate(update);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, ds.clients.size);
  for (const [client, items] of ds.clients) {
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, items.length);
    for (const item of items) {
      encoding.writeVarUint(encoder, item.clock);
      encoding.writeVarUint(encoder, item.len);
    }
  }
  return encoding.length(encoder);
}

/** The guid of the documents that make one-off updates (a random one costs ~30 crypto calls each). */
const ONE_OFF_GUID = "fuzz-one-off";

/**
 * An update of a new client (clock 0, so it integrates whatever the document holds) that puts a
 * paragraph holding `marker` at the start of the content; with `withDelete`, it also deletes two
 * characters after the marker, so that its delete set is not empty.
 */
function markerUpdate(clientId: number, marker: string, withDelete: boolean): Uint8Array {
  const doc = new Y.Doc({ guid: ONE_OFF_GUID });
  doc.clientID = clientId;
  const text = new Y.XmlText(`${marker} and some more text after it`);
  const paragraph = new Y.XmlElement("paragraph");
  paragraph.insert(0, [text]);
  doc.getXmlFragment("default").insert(0, [paragraph]);
  if (withDelete) text.delete(marker.length + 1, 2);
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

/** An update of a new client writing `content` into the root text "scratch" (never into the content). */
function scratchUpdate(clientId: number, content: string): Uint8Array {
  const doc = new Y.Doc({ guid: ONE_OFF_GUID });
  doc.clientID = clientId;
  doc.getText("scratch").insert(0, content);
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

/** A random Yjs client id for a one-off update. */
const clientIdOf = (rng: Random) => rng.uint32();

/**
 * Makes one lane's frames. The sequence depends only on the lane's PRNG, not on what the server
 * answers, so a seed replays it exactly.
 */
class FrameMaker {
  private readonly laneDoc = new Y.Doc();
  private laneText: Y.XmlText | undefined;
  private tokens = 0;
  private markers = 0;
  /** The awareness client ids of the current connection, and their clocks. */
  private readonly clocks = new Map<number, number>();

  constructor(
    private readonly rng: Random,
    private readonly lane: number,
    private readonly role: Role,
    /** The editor phase's expected document: every valid write the fuzzer sends is applied to it. */
    private readonly reference: Y.Doc | undefined,
  ) {
    this.laneDoc.clientID = (rng.uint32() | 1) >>> 0;
  }

  /** A new connection announces new awareness client ids. */
  newConnection(): void {
    this.clocks.clear();
    const count = this.rng.int(1, 2);
    for (let i = 0; i < count; i++) this.clocks.set(this.rng.uint32(), 0);
  }

  destroy(): void {
    this.laneDoc.destroy();
  }

  /** A batch: valid frames, then (usually) one hostile frame last. */
  batch(): Frame[] {
    const frames: Frame[] = [];
    const valid = this.role === "viewer" ? this.rng.int(4, 30) : this.rng.int(2, 12);
    for (let i = 0; i < valid; i++) {
      // A viewer's writes are not applied, so invalid updates may come anywhere in its batches.
      frames.push(this.role === "viewer" && this.rng.chance(0.3) ? this.invalidUpdate() : this.validFrame());
    }
    if (this.rng.chance(0.92)) frames.push(this.hostileFrame());
    return frames;
  }

  /**
   * The frame that ends a batch: a sync step 1 the server answers unless it closed the
   * connection (the reference's state vector, so that the answer stays small).
   */
  probe(): Frame {
    return { kind: "probe", expect: "valid", data: encodeSyncStep1(this.reference ? Y.encodeStateVector(this.reference) : new Uint8Array([0])) };
  }

  /**
   * Everything the lane's Yjs client wrote, as a sync step 2 (what a y-websocket client sends
   * on reconnecting): after a close that may have dropped valid writes (not a 4400 for the
   * batch's last frame), so that the server has every write the reference has.
   */
  resync(): Frame | undefined {
    if (!this.laneText) return undefined;
    return { kind: "resync", expect: "valid", data: encodeSyncStep2(Y.encodeStateAsUpdate(this.laneDoc)) };
  }

  private nextMarker(prefix: "TRUNC" | "TRAIL", kind: string): string {
    this.markers += 1;
    const marker = `${prefix}${this.lane}x${this.markers}`;
    markerKinds.set(marker, kind);
    return marker;
  }

  // ── valid ────────────────────────────────────────────────────────────────

  private validFrame(): Frame {
    const kind = this.rng.weighted([
      ["step1", 2],
      ["query-awareness", 1],
      ["awareness", 3],
      ["update", 3],
    ] as const);
    switch (kind) {
      case "step1":
        return { kind: "valid step 1", expect: "valid", data: encodeSyncStep1(this.stateVector()) };
      case "query-awareness":
        return { kind: "valid query-awareness", expect: "valid", data: encodeQueryAwareness() };
      case "awareness":
        return { kind: "valid awareness", expect: "valid", data: encodeAwareness(this.awarenessUpdate()) };
      case "update":
        return this.laneUpdate();
      default: {
        const unknown: never = kind;
        throw new Error(`unknown kind ${String(unknown)}`);
      }
    }
  }

  /**
   * A well-formed state vector: what the reference holds (so the answer stays small) plus a few
   * made-up clients and clocks.
   */
  private stateVector(): Uint8Array {
    const vector = this.reference ? Y.decodeStateVector(Y.encodeStateVector(this.reference)) : new Map<number, number>();
    const extra = this.rng.int(0, 3);
    for (let i = 0; i < extra; i++) vector.set(this.rng.uint32(), this.rng.int(0, 1_000));
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, vector.size);
    for (const [client, clock] of vector) {
      encoding.writeVarUint(encoder, client);
      encoding.writeVarUint(encoder, clock);
    }
    return encoding.toUint8Array(encoder);
  }

  private awarenessUpdate(): Uint8Array {
    const entries = [...this.clocks.keys()].map((clientId) => {
      const clock = (this.clocks.get(clientId) ?? 0) + 1;
      this.clocks.set(clientId, clock);
      const state = this.rng.chance(0.05)
        ? null
        : { cursor: { anchor: this.rng.int(0, 10_000), head: this.rng.int(0, 10_000) }, note: this.rng.word(this.rng.int(0, 24)), nested: { list: [this.rng.int(0, 9), this.rng.word(3)], flag: this.rng.chance(0.5) } };
      return { clientId, clock, state };
    });
    return encodeAwarenessUpdate(entries);
  }

  /**
   * A write of the lane's own Yjs client: a paragraph first, then text appended to it. The
   * editor's are applied to the reference; a viewer's carry "VIEWER" and must never be applied.
   */
  private laneUpdate(): Frame {
    let update: Uint8Array | undefined;
    const capture = (u: Uint8Array) => {
      update = u;
    };
    this.laneDoc.on("update", capture);
    this.tokens += 1;
    const token = this.role === "viewer" ? `VIEWER${this.lane}.${this.tokens} ` : `ok${this.lane}.${this.tokens} `;
    if (!this.laneText) {
      const text = new Y.XmlText(token);
      const paragraph = new Y.XmlElement("paragraph");
      paragraph.insert(0, [text]);
      this.laneDoc.getXmlFragment("default").insert(0, [paragraph]);
      this.laneText = text;
    } else {
      this.laneText.insert(this.laneText.length, token);
    }
    this.laneDoc.off("update", capture);
    if (!update) throw new Error("the lane's edit produced no update");
    if (this.reference) Y.applyUpdate(this.reference, update);
    const asStep2 = this.rng.chance(0.3);
    return { kind: asStep2 ? "valid update (as sync step 2)" : "valid update", expect: "valid", data: asStep2 ? encodeSyncStep2(update) : encodeUpdate(update) };
  }

  // ── invalid updates inside a valid envelope ──────────────────────────────

  /** For an editor, an invalid update is malformed; a viewer's writes are not even read. */
  private get updateExpectation(): Expectation {
    return this.role === "editor" ? "malformed" : "unknown";
  }

  private envelope(update: Uint8Array): Uint8Array {
    return this.rng.chance(0.5) ? encodeUpdate(update) : encodeSyncStep2(update);
  }

  private invalidUpdate(): Frame {
    const kind = this.rng.weighted([
      ["update cut anywhere", 3],
      ["update with its delete set cut", 3],
      ["update of random bytes", 2],
      ["update with flipped bytes", 2],
    ] as const);
    switch (kind) {
      case "update cut anywhere": {
        const update = markerUpdate(clientIdOf(this.rng), this.nextMarker("TRUNC", kind), this.rng.chance(0.5));
        return { kind, expect: this.updateExpectation, data: this.envelope(update.subarray(0, this.rng.int(0, update.byteLength - 1))) };
      }
      case "update with its delete set cut": {
        const update = markerUpdate(clientIdOf(this.rng), this.nextMarker("TRUNC", kind), this.rng.chance(0.7));
        const cut = update.byteLength - this.rng.int(1, deleteSetLength(update));
        return { kind, expect: this.updateExpectation, data: this.envelope(update.subarray(0, cut)) };
      }
      case "update of random bytes":
        // Random bytes may happen to be a valid (e.g. empty) update: either answer is right.
        return { kind, expect: "unknown", data: this.envelope(this.rng.bytes(this.rng.int(0, 48))) };
      case "update with flipped bytes": {
        const update = new Uint8Array(scratchUpdate(clientIdOf(this.rng), this.rng.word(this.rng.int(1, 6))));
        const flips = this.rng.int(1, 3);
        for (let i = 0; i < flips; i++) {
          const at = this.rng.int(0, update.byteLength - 1);
          update[at] = (update[at] ?? 0) ^ this.rng.int(1, 255);
        }
        return { kind, expect: "unknown", data: this.envelope(update) };
      }
      default: {
        const unknown: never = kind;
        throw new Error(`unknown kind ${String(unknown)}`);
      }
    }
  }

  // ── hostile ──────────────────────────────────────────────────────────────

  private hostileFrame(): Frame {
    const kind = this.rng.weighted([
      ["invalid update", 8],
      ["empty frame", 1],
      ["text frame", 1],
      ["truncated varint", 2],
      ["overflowing varint", 1],
      ["huge declared length", 2],
      ["unknown message type", 2],
      ["unknown sync subtype", 2],
      ["trailing bytes", 3],
      ["sync step 1 of random bytes", 1],
      ["awareness with invalid JSON", 1],
      ["awareness with a non-object state", 1],
      ["awareness with an overflowing clock", 1],
      ["awareness with a huge clock", 1],
      ["awareness cut short", 1],
      ["awareness of 20 KiB", 0.2],
      ["oversized frame", 0.1],
      ["random bytes", 2],
      ["mutated valid message", 3],
    ] as const);
    const rng = this.rng;
    switch (kind) {
      case "invalid update":
        return this.invalidUpdate();
      case "empty frame":
        return { kind, expect: "malformed", data: new Uint8Array(0) };
      case "text frame":
        return { kind, expect: "malformed", data: rng.chance(0.5) ? rng.word(rng.int(0, 40)) : JSON.stringify({ type: "sync", step: 1 }) };
      case "truncated varint": {
        const prefixes = [[], [MessageType.sync], [MessageType.sync, SyncType.update], [MessageType.sync, SyncType.step1], [MessageType.awareness], [MessageType.awareness, 1]];
        const prefix = new Uint8Array(rng.pick(prefixes));
        const continuation = Array.from({ length: rng.int(1, 4) }, () => 0x80 | rng.int(0, 127));
        return { kind, expect: "malformed", data: concat(prefix, new Uint8Array(continuation)) };
      }
      case "overflowing varint": {
        const prefix = new Uint8Array(rng.pick([[], [MessageType.sync], [MessageType.sync, SyncType.update], [MessageType.awareness]]));
        return { kind, expect: "malformed", data: concat(prefix, OVERFLOWING_VARUINT, rng.bytes(rng.int(0, 3))) };
      }
      case "huge declared length": {
        const length = rng.pick([2 ** 31, 2 ** 32, 2 ** 53 - 1, 65_536]);
        const prefix = new Uint8Array(rng.pick([[MessageType.sync, SyncType.step1], [MessageType.sync, SyncType.step2], [MessageType.sync, SyncType.update], [MessageType.awareness]]));
        return { kind, expect: "malformed", data: concat(prefix, varuint(length), rng.bytes(3)) };
      }
      case "unknown message type": {
        const type = rng.pick([MessageType.auth, MessageType.saved, rng.int(5, 127), rng.int(128, 1 << 20), 2 ** 31]);
        return { kind, expect: "malformed", data: concat(varuint(type), rng.bytes(rng.int(0, 8))) };
      }
      case "unknown sync subtype": {
        const subtype = rng.pick([3, 4, rng.int(5, 127), rng.int(128, 1 << 20)]);
        const payload = rng.bytes(rng.int(0, 16));
        return { kind, expect: "malformed", data: concat(new Uint8Array([MessageType.sync]), varuint(subtype), varuint(payload.byteLength), payload) };
      }
      case "trailing bytes": {
        // An update with bytes after the message: the whole message is refused, its update too.
        const base = rng.pick(["step1", "query", "awareness", "update"] as const);
        const message =
          base === "step1"
            ? encodeSyncStep1(new Uint8Array([0]))
            : base === "query"
              ? encodeQueryAwareness()
              : base === "awareness"
                ? encodeAwareness(this.awarenessUpdate())
                : this.envelope(markerUpdate(clientIdOf(rng), this.nextMarker("TRAIL", "trailing bytes (update)"), rng.chance(0.5)));
        return { kind: `${kind} (${base})`, expect: "malformed", data: concat(message, rng.bytes(rng.int(1, 8))) };
      }
      case "sync step 1 of random bytes":
        return { kind, expect: "unknown", data: encodeSyncStep1(rng.bytes(rng.int(1, 24))) };
      case "awareness with invalid JSON": {
        const json = rng.pick(["{", "{\"cursor\":", "undefined", "nul", "{'a':1}", "", "\u0000", `{${rng.word(rng.int(1, 10))}`]);
        return { kind, expect: "malformed", data: encodeAwareness(rawAwarenessUpdate([{ clientId: varuint(rng.uint32()), clock: varuint(1), json }])) };
      }
      case "awareness with a non-object state": {
        const json = rng.pick(["42", "\"a string\"", "[1,2,3]", "true", "false", "[]", "-1.5e300"]);
        return { kind, expect: "malformed", data: encodeAwareness(rawAwarenessUpdate([{ clientId: varuint(rng.uint32()), clock: varuint(1), json }])) };
      }
      case "awareness with an overflowing clock":
        return { kind, expect: "malformed", data: encodeAwareness(rawAwarenessUpdate([{ clientId: varuint(rng.uint32()), clock: OVERFLOWING_VARUINT, json: "{}" }])) };
      case "awareness with a huge clock": {
        // A valid number, only very large: accepting it is as right as refusing it.
        const clientId = [...this.clocks.keys()][0] ?? rng.uint32();
        return { kind, expect: "unknown", data: encodeAwareness(rawAwarenessUpdate([{ clientId: varuint(clientId), clock: varuint(2 ** 53 - 1), json: "{\"cursor\":null}" }])) };
      }
      case "awareness cut short": {
        const declared = rng.pick([2, 3, 2 ** 31]);
        const update = rawAwarenessUpdate([{ clientId: varuint(rng.uint32()), clock: varuint(1), json: "{\"a\":1}" }], declared);
        const cut = rng.chance(0.5) ? update : update.subarray(0, rng.int(1, update.byteLength - 1));
        return { kind, expect: "malformed", data: encodeAwareness(cut) };
      }
      case "awareness of 20 KiB": {
        const clientId = [...this.clocks.keys()][0] ?? rng.uint32();
        const clock = (this.clocks.get(clientId) ?? 0) + 1;
        this.clocks.set(clientId, clock);
        return { kind, expect: "unknown", data: encodeAwareness(encodeAwarenessUpdate([{ clientId, clock, state: { blob: "x".repeat(20 * 1024) } }])) };
      }
      case "oversized frame":
        return { kind, expect: "malformed", data: concat(encodeUpdate(new Uint8Array(0)), new Uint8Array(MAX_PAYLOAD_BYTES + 1024)) };
      case "random bytes":
        return { kind, expect: "unknown", data: rng.bytes(rng.int(1, 64)) };
      case "mutated valid message":
        return { kind, expect: "unknown", data: this.mutate(rng.pick([encodeSyncStep1(new Uint8Array([0])), encodeQueryAwareness(), encodeAwareness(this.awarenessUpdate()), encodeUpdate(scratchUpdate(clientIdOf(rng), rng.word(4)))])) };
      default: {
        const unknown: never = kind;
        throw new Error(`unknown kind ${String(unknown)}`);
      }
    }
  }

  /** One to three random edits of a message: a bit flipped, a byte inserted or removed, cut short. */
  private mutate(message: Uint8Array): Uint8Array {
    let bytes = [...message];
    const edits = this.rng.int(1, 3);
    for (let i = 0; i < edits; i++) {
      const at = this.rng.int(0, Math.max(0, bytes.length - 1));
      switch (this.rng.int(0, 3)) {
        case 0:
          if (bytes.length > 0) bytes[at] = (bytes[at] ?? 0) ^ (1 << this.rng.int(0, 7));
          break;
        case 1:
          bytes.splice(at, 0, this.rng.int(0, 255));
          break;
        case 2:
          bytes.splice(at, 1);
          break;
        default:
          bytes = bytes.slice(0, at);
      }
    }
    return new Uint8Array(bytes);
  }
}

/** One fuzzing connection: counts the sync step 2 answers to its step 1s, and records its close. */
class FuzzSocket {
  closed: { code: number; reason: string } | undefined;
  private step1Sent = 0;
  private step2Received = 0;
  private wake: (() => void) | undefined;
  private closedByTest = false;

  private constructor(readonly ws: WebSocket) {}

  /** Resolves once the room admitted the connection (its first message arrived). @throws on a refused upgrade */
  static open(url: string, headers: Record<string, string>): Promise<FuzzSocket> {
    const socket = new FuzzSocket(new WebSocket(url, { headers, perMessageDeflate: false }));
    const { ws } = socket;
    return new Promise<FuzzSocket>((resolve, reject) => {
      let admitted = false;
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`not admitted within ${ANSWER_TIMEOUT_MS} ms`));
      }, ANSWER_TIMEOUT_MS);
      ws.on("unexpected-response", (request, response) => {
        clearTimeout(timer);
        request.destroy();
        reject(new Error(`upgrade refused with HTTP ${response.statusCode ?? 0}`));
      });
      ws.on("message", (data, isBinary) => {
        if (!admitted) {
          admitted = true;
          clearTimeout(timer);
          resolve(socket);
        }
        const first = firstBytes(data);
        if (isBinary && first[0] === MessageType.sync && first[1] === SyncType.step2) {
          socket.step2Received += 1;
          socket.notify();
        }
      });
      ws.on("error", () => {
        // The close event follows, with the code the test judges.
      });
      ws.on("close", (code, reason) => {
        socket.closed = { code, reason: reason.toString("utf8") };
        socket.notify();
        if (!admitted) {
          clearTimeout(timer);
          reject(new Error(`closed with ${code} before admission`));
        }
      });
    });
  }

  get open(): boolean {
    return this.closed === undefined && this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a frame if the socket is still open; reports whether it did. */
  send(frame: Frame): boolean {
    if (!this.open) return false;
    if (typeof frame.data !== "string" && answeredWithStep2(frame.data)) this.step1Sent += 1;
    if (typeof frame.data === "string") this.ws.send(frame.data);
    else this.ws.send(frame.data, { binary: true });
    return true;
  }

  /** Resolves once every sync step 1 sent was answered, or the connection closed, or the deadline passed. */
  settled(timeoutMs: number): Promise<"answered" | "closed" | "timeout"> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.closed) finish("closed");
        else if (this.step2Received >= this.step1Sent) finish("answered");
      };
      const timer = setTimeout(() => finish("timeout"), timeoutMs);
      const finish = (outcome: "answered" | "closed" | "timeout") => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(outcome);
      };
      this.wake = check;
      check();
    });
  }

  private notify(): void {
    this.wake?.();
  }

  /** Ends the connection from the test's side (its close is then not the server's doing). */
  terminate(): void {
    this.closedByTest = true;
    this.ws.terminate();
  }

  get endedByTest(): boolean {
    return this.closedByTest;
  }
}

/**
 * Whether the server answers `data` with a sync step 2 (unless it has closed the connection by
 * then): when it decodes as a sync step 1 whose state vector decodes, whatever the frame was
 * meant to be — a mutated or random frame can turn out to be one, and counting by intent would
 * then expect one answer too few, and take a later probe as answered before it was.
 */
function answeredWithStep2(data: Uint8Array): boolean {
  try {
    const message = decodeMessage(data);
    if (message.kind !== "sync-step-1") return false;
    Y.decodeStateVector(message.stateVector);
    return true;
  } catch {
    return false;
  }
}

function firstBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data).subarray(0, 2));
  return data instanceof ArrayBuffer ? new Uint8Array(data, 0, Math.min(2, data.byteLength)) : data.subarray(0, 2);
}

/** Polls `predicate` every 10 ms until it holds (true) or `timeoutMs` passed (false). */
async function eventually(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/**
 * Two y-websocket clients of a member. Their paragraphs go into a block of their own (a
 * blockquote made before the fuzzing starts), so that each depends on their own edits only:
 * even if the server applied something it must not, their edits still apply to the reference.
 */
interface Bystanders {
  a: CollabPeer;
  b: CollabPeer;
  /** The bystanders' block, in a's and in b's document. */
  aBlock: Y.XmlElement;
  bBlock: Y.XmlElement;
  /** Lines the bystanders appended, in order. */
  lines: string[];
  /** Connection closes either saw (they must see none). */
  closes: number[];
  /** Forbidden markers seen in any update either received. */
  markersSeen: string[];
  destroy(): void;
}

/** Two y-websocket clients of `member` in `documentId`; their own edits also go to `reference`. */
async function bystanders(member: SignedInClient, documentId: string, reference: Y.Doc | undefined): Promise<Bystanders> {
  const a = connectPeer(member, documentId);
  const b = connectPeer(member, documentId);
  const aBlock = new Y.XmlElement("blockquote");
  const state: Bystanders = {
    a,
    b,
    aBlock,
    bBlock: aBlock,
    lines: [],
    closes: [],
    markersSeen: [],
    destroy: () => {
      a.destroy();
      b.destroy();
    },
  };
  for (const peer of [a, b]) {
    peer.provider.on("connection-close", (event) => {
      state.closes.push(event?.code ?? -1);
    });
    peer.doc.on("update", (update: Uint8Array, origin: unknown) => {
      state.markersSeen.push(...markersIn(update));
      if (origin !== peer.provider && reference) Y.applyUpdate(reference, update);
    });
  }
  a.fragment.insert(0, [aBlock]);
  const bBlock = () => b.fragment.toArray().find((node): node is Y.XmlElement => node instanceof Y.XmlElement && node.nodeName === "blockquote");
  if (!(await eventually(() => a.provider.synced && b.provider.synced && bBlock() !== undefined, ANSWER_TIMEOUT_MS))) {
    state.destroy();
    throw new Error("the bystanders did not sync");
  }
  state.bBlock = bBlock() ?? aBlock;
  return state;
}

function appendLine(block: Y.XmlElement, line: string): void {
  const paragraph = new Y.XmlElement("paragraph");
  paragraph.insert(0, [new Y.XmlText(line)]);
  block.insert(block.length, [paragraph]);
}

/** The text of each paragraph of a block. */
function linesOf(block: Y.XmlElement): string[] {
  return block.toArray().map((node) => (node instanceof Y.XmlElement ? node.toArray().map((child) => (child instanceof Y.XmlText ? child.toString() : "")).join("") : node.toString()));
}

interface PhaseOptions {
  role: Role;
  documentId: string;
  fuzzer: SignedInClient;
  member: SignedInClient;
  frames: number;
  /** The editor phase's expected document (valid writes of the fuzzer and the bystanders). */
  reference: Y.Doc | undefined;
}

/** Runs the lanes and the bystanders' exchanges until `frames` frames were sent. */
async function fuzzPhase(options: PhaseOptions, watchers: Bystanders): Promise<Stats> {
  const stats = newStats();
  const url = `${server.url.replace(/^http/, "ws")}/collab/${options.documentId}`;
  const headers = { cookie: options.fuzzer.cookieHeader, origin: server.url };
  const started = Date.now();
  const cpuBefore = process.cpuUsage();
  let done = false;
  /** Frames after which the bystanders' next exchange starts. */
  let exchangeDue = EXCHANGE_EVERY;
  const overTime = () => Date.now() - started > PHASE_TIMEOUT_MS;

  const lane = async (index: number): Promise<void> => {
    const rng = new Random((SEED ^ Math.imul(index + 1, 0x9e3779b1) ^ (options.role === "editor" ? 0x5bd1e995 : 0)) >>> 0);
    const maker = new FrameMaker(rng, index, options.role, options.reference);
    let socket: FuzzSocket | undefined;
    let batchNumber = 0;
    let resyncNext = false;
    try {
      while (stats.frames < options.frames) {
        if (overTime()) {
          fail(stats, "the phase ran out of time", `lane ${index}: ${PHASE_TIMEOUT_MS} ms passed with ${stats.frames} of ${options.frames} frames sent`);
          return;
        }
        if (!socket || !socket.open) {
          try {
            socket = await FuzzSocket.open(url, headers);
          } catch (error) {
            fail(stats, "reconnecting failed", `lane ${index}: ${error instanceof Error ? error.message : String(error)}`);
            return;
          }
          stats.connections += 1;
          maker.newConnection();
          const resync = resyncNext ? maker.resync() : undefined;
          if (resync && socket.send(resync)) stats.resyncs += 1;
          resyncNext = false;
        }
        // The bystanders' exchange is due every EXCHANGE_EVERY frames: never run more than one
        // interval ahead of it.
        await eventually(() => done || stats.frames < exchangeDue + EXCHANGE_EVERY, EXCHANGE_TIMEOUT_MS + ANSWER_TIMEOUT_MS);
        batchNumber += 1;
        stats.batches += 1;
        const batch = maker.batch();
        const last = batch.at(-1);
        const onlyValid = batch.every((frame) => frame.expect === "valid");
        for (const frame of batch) {
          if (!socket.send(frame)) break;
          stats.frames += 1;
          increment(stats.kinds, frame.kind);
        }
        if (socket.send(maker.probe())) stats.probes += 1;
        const outcome = await socket.settled(ANSWER_TIMEOUT_MS);
        const where = `seed ${SEED}, ${options.role} lane ${index}, batch ${batchNumber}`;
        const lastFrame = last ? `${last.kind}: ${hex(last.data)}` : "none";
        if (outcome === "timeout") {
          fail(stats, `neither an answer nor a close within ${ANSWER_TIMEOUT_MS} ms`, `${where}, last frame ${lastFrame}`);
          socket.terminate();
          continue;
        }
        if (outcome === "answered") {
          stats.answered += 1;
          if (last?.expect === "malformed") fail(stats, `a malformed frame was accepted (the connection stayed open): ${last.kind}`, `${where}, ${lastFrame}`);
          continue;
        }
        const close = socket.closed ?? { code: -1, reason: "" };
        if (options.role === "editor" && (onlyValid || (close.code !== CloseCode.malformedMessage && close.code !== CloseCode.messageTooBig))) resyncNext = true;
        increment(stats.closes, close.code);
        increment(stats.reasons, `${close.code} ${close.reason.replace(/\d+/g, "N")}`);
        const byKind = stats.closesByKind.get(last?.kind ?? "none") ?? new Map<number, number>();
        increment(byKind, close.code);
        stats.closesByKind.set(last?.kind ?? "none", byKind);
        if (!ACCEPTABLE_CLOSES.has(close.code)) fail(stats, `closed with ${close.code}`, `${where}, reason ${JSON.stringify(close.reason)}, last frame ${lastFrame}`);
        else if (close.code === CloseCode.malformedMessage && close.reason === "") fail(stats, "closed with 4400 without a reason", `${where}, last frame ${lastFrame}`);
        else if (onlyValid && close.code === CloseCode.malformedMessage) fail(stats, "a batch of valid frames was refused with 4400", `${where}, reason ${JSON.stringify(close.reason)}`);
      }
    } finally {
      socket?.terminate();
      maker.destroy();
    }
  };

  const exchanges = async (): Promise<void> => {
    while (!done) {
      if (!(await eventually(() => done || stats.frames >= exchangeDue, PHASE_TIMEOUT_MS))) return;
      if (done) return;
      exchangeDue += EXCHANGE_EVERY;
      stats.exchanges += 1;
      const [writer, reader] = stats.exchanges % 2 === 1 ? [watchers.aBlock, watchers.bBlock] : [watchers.bBlock, watchers.aBlock];
      const line = `bystander ${options.role} ${stats.exchanges}`;
      watchers.lines.push(line);
      appendLine(writer, line);
      if (!(await eventually(() => linesOf(reader).includes(line), EXCHANGE_TIMEOUT_MS))) {
        fail(stats, `a bystander's edit did not reach the other within ${EXCHANGE_TIMEOUT_MS} ms`, `seed ${SEED}, ${options.role} phase, exchange ${stats.exchanges} at ${stats.frames} frames`);
      }
    }
  };

  const exchanging = exchanges();
  try {
    await Promise.all(Array.from({ length: LANES }, (_, index) => lane(index)));
  } finally {
    done = true;
    await exchanging;
  }
  const seconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  console.log(summary(options.role, stats, seconds, (cpu.user + cpu.system) / 1e6));
  return stats;
}

function summary(role: Role, stats: Stats, seconds: number, cpuSeconds: number): string {
  const codes = [...stats.closes].sort(([a], [b]) => a - b).map(([code, count]) => `${code}: ${count}`).join(", ");
  const kinds = [...stats.closesByKind]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, closes]) => `  ${kind}: sent ${stats.kinds.get(kind) ?? 0}, closes ${[...closes].map(([code, count]) => `${code}×${count}`).join(" ")}`)
    .join("\n");
  const reasons = [...stats.reasons]
    .sort(([, a], [, b]) => b - a)
    .map(([reason, count]) => `  ${count}× ${reason}`)
    .join("\n");
  return [
    `fuzz ${role} phase (seed ${SEED}): ${stats.frames} frames (+${stats.probes} probes) in ${seconds.toFixed(1)} s (this process's CPU: ${cpuSeconds.toFixed(1)} s, server and fuzzer together) over ${stats.connections} connections, ${stats.batches} batches (${stats.answered} answered), ${stats.exchanges} bystander exchanges, ${stats.resyncs} resyncs`,
    `  closes: ${codes}`,
    `closes by the last frame of the batch:`,
    kinds,
    `close reasons:`,
    reasons,
  ].join("\n");
}

/** Everything stored for `documentId`, read with the server's own store once its room has unloaded. */
async function storedUpdates(documentId: string): Promise<Uint8Array[]> {
  if (!(await eventually(() => server.rooms.get(documentId) === undefined, ANSWER_TIMEOUT_MS))) throw new Error(`the room of ${documentId} did not unload`);
  const clients = createDatabaseClients(server.databaseUrl, { poolSize: 1 });
  try {
    return await new PostgresStore(clients).load(documentId);
  } finally {
    await clients.close();
  }
}

/**
 * A fragment's paragraphs, each as its first characters and its length: a readable diff when
 * two documents differ (the fuzzer's paragraphs hold thousands of tokens).
 */
function outline(fragment: Y.XmlFragment): string[] {
  return fragment.toArray().map((node) => {
    const text = node instanceof Y.XmlElement ? node.toArray().map((child) => (child instanceof Y.XmlText ? child.toString() : "")).join("") : node.toString();
    return `${node instanceof Y.XmlElement ? node.nodeName : "text"} "${text.slice(0, 24)}"${text.length > 24 ? `… (${text.length} characters)` : ""}`;
  });
}

let server: TestServer;
let processWatch: ReturnType<typeof watchProcessFailures>;
const allCloses = new Map<number, number>();
let totalFrames = 0;

beforeAll(async () => {
  processWatch = watchProcessFailures();
  server = await startTestServer({
    MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES),
    WS_MESSAGES_PER_SECOND: "1000000",
    WS_MESSAGE_BURST: "1000000",
    WS_BYTES_PER_SECOND: "1000000000",
    USER_MESSAGES_PER_SECOND: "1000000",
    USER_BYTES_PER_SECOND: "1000000000",
    ADDRESS_MESSAGES_PER_SECOND: "1000000",
    ADDRESS_BYTES_PER_SECOND: "1000000000",
    MAX_CONNECTIONS_PER_USER: "10000",
    MAX_CONNECTIONS_PER_ADDRESS: "10000",
    AWARENESS_PER_SECOND: "1000000",
  });
});
afterAll(async () => {
  processWatch?.stop();
  await server?.close();
  console.log(`fuzz total (seed ${SEED}): ${totalFrames} frames; closes ${[...allCloses].sort(([a], [b]) => a - b).map(([code, count]) => `${code}: ${count}`).join(", ")}`);
});

function record(stats: Stats): void {
  totalFrames += stats.frames;
  for (const [code, count] of stats.closes) increment(allCloses, code, count);
}

describe(`fuzzing /collab (seed ${SEED})`, () => {
  it(`[RM7][RO2] a viewer's ${VIEWER_FRAMES} fuzzed frames close only its own connections, bystanders keep editing, nothing it sent is stored`, async () => {
    const owner = await signedIn(server.url);
    const viewer = await signedIn(server.url);
    const created = await owner.request<{ id: string }>("POST", "/api/documents", { title: "Fuzzed by a viewer" });
    const id = created.body.id;
    expect((await owner.request("POST", `/api/documents/${id}/members`, { email: viewer.user.email, role: "viewer" })).status).toBe(201);

    const watchers = await bystanders(owner, id, undefined);
    let stats: Stats;
    try {
      stats = await fuzzPhase({ role: "viewer", documentId: id, fuzzer: viewer, member: owner, frames: VIEWER_FRAMES, reference: undefined }, watchers);
      record(stats);
      const expected = watchers.lines.join("\n");
      const exact = (peer: CollabPeer, block: Y.XmlElement) => peer.fragment.length === 1 && linesOf(block).join("\n") === expected;
      const converged = await eventually(() => exact(watchers.a, watchers.aBlock) && exact(watchers.b, watchers.bBlock), EXCHANGE_TIMEOUT_MS);
      if (!converged) {
        expect.soft(outline(watchers.a.fragment), "bystander a's document holds the bystanders' block only").toHaveLength(1);
        expect.soft(outline(watchers.b.fragment), "bystander b's document holds the bystanders' block only").toHaveLength(1);
        expect.soft(linesOf(watchers.aBlock), "bystander a shows exactly the bystanders' lines").toEqual(watchers.lines);
        expect.soft(linesOf(watchers.bBlock), "bystander b shows exactly the bystanders' lines").toEqual(watchers.lines);
      }
      expect.soft(converged, "both bystanders show exactly their own lines").toBe(true);
      expect.soft(watchers.closes, "the bystanders' connections were never closed").toEqual([]);
      expect.soft(markerReport(watchers.markersSeen), "nothing the viewer sent reached the bystanders").toEqual([]);
    } finally {
      watchers.destroy();
    }
    const bystanderClients = new Set([watchers.a.doc.clientID, watchers.b.doc.clientID]);

    expect.soft(failureReport(stats), "problems found while fuzzing").toEqual([]);
    expect.soft(stats.frames).toBeGreaterThanOrEqual(VIEWER_FRAMES);
    expect.soft(stats.exchanges).toBeGreaterThanOrEqual(Math.floor(VIEWER_FRAMES / EXCHANGE_EVERY) - 1);

    // What is stored: the bystanders' lines, from their clients only.
    const stored = await storedUpdates(id);
    expect.soft(markerReport(stored.flatMap(markersIn)), "no write of the viewer is stored").toEqual([]);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, mergeToSnapshot(stored));
    const content = doc.getXmlFragment("default");
    expect.soft(outline(content), "the stored document holds the bystanders' block only").toHaveLength(1);
    const block = content.get(0);
    expect.soft(block instanceof Y.XmlElement ? linesOf(block) : [], "the stored block holds exactly the bystanders' lines").toEqual(watchers.lines);
    expect.soft([...Y.decodeStateVector(Y.encodeStateVector(doc)).keys()].filter((client) => !bystanderClients.has(client)), "clients other than the bystanders in the stored document").toEqual([]);
    doc.destroy();
  }, 200_000);

  it(`[RM7] an editor's ${EDITOR_FRAMES} fuzzed frames: only its valid updates are stored, never a truncated or invalid one`, async () => {
    const owner = await signedIn(server.url);
    const editor = await signedIn(server.url);
    const created = await owner.request<{ id: string }>("POST", "/api/documents", { title: "Fuzzed by an editor" });
    const id = created.body.id;
    expect((await owner.request("POST", `/api/documents/${id}/members`, { email: editor.user.email, role: "editor" })).status).toBe(201);

    const reference = new Y.Doc();
    const watchers = await bystanders(owner, id, reference);
    let stats: Stats;
    try {
      stats = await fuzzPhase({ role: "editor", documentId: id, fuzzer: editor, member: owner, frames: EDITOR_FRAMES, reference }, watchers);
      record(stats);
      const expected = reference.getXmlFragment("default").toJSON();
      const converged = await eventually(() => watchers.a.fragment.toJSON() === expected && watchers.b.fragment.toJSON() === expected, EXCHANGE_TIMEOUT_MS);
      if (!converged) {
        expect.soft(outline(watchers.a.fragment), "bystander a shows exactly the valid writes (the fuzzer's and the bystanders')").toEqual(outline(reference.getXmlFragment("default")));
        expect.soft(outline(watchers.b.fragment), "bystander b shows exactly the valid writes").toEqual(outline(reference.getXmlFragment("default")));
      }
      expect.soft(converged, "both bystanders show exactly the valid writes").toBe(true);
      expect.soft(watchers.closes, "the bystanders' connections were never closed").toEqual([]);
      expect.soft(markerReport(watchers.markersSeen), "no truncated or trailing-bytes update was applied and relayed").toEqual([]);
    } finally {
      watchers.destroy();
    }

    expect.soft(failureReport(stats), "problems found while fuzzing").toEqual([]);
    expect.soft(stats.frames).toBeGreaterThanOrEqual(EDITOR_FRAMES);
    expect.soft(stats.exchanges).toBeGreaterThanOrEqual(Math.floor(EDITOR_FRAMES / EXCHANGE_EVERY) - 1);

    const stored = await storedUpdates(id);
    expect.soft(markerReport(stored.flatMap(markersIn)), "no truncated or trailing-bytes update is stored").toEqual([]);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, mergeToSnapshot(stored));
    const same = doc.getXmlFragment("default").toJSON() === reference.getXmlFragment("default").toJSON();
    if (!same) expect.soft(outline(doc.getXmlFragment("default")), "the stored content is exactly what the valid updates produce").toEqual(outline(reference.getXmlFragment("default")));
    expect.soft(same, "the stored content is exactly what the valid updates produce").toBe(true);
    doc.destroy();
    reference.destroy();
  }, 200_000);

  it("the server survived: no uncaught exception or unhandled rejection, and the API still answers", async () => {
    expect(processWatch.failures).toEqual([]);
    const client = await signedIn(server.url);
    expect((await client.request("GET", "/api/documents")).status).toBe(200);
    expect(totalFrames).toBeGreaterThanOrEqual(50_000);
  });
});
