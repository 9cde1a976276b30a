/**
 * In-process clients for room tests: no sockets, no timers of their own. A `TestClient` speaks
 * the y-websocket protocol to a `Room` through a `FakeConnection`, using y-protocols exactly as
 * y-websocket's provider does, and moves messages only when told to (`send`, `receive`,
 * `flush`), so a test decides how messages interleave.
 *
 *   const a = new TestClient(room).connect();
 *   a.doc.getText("t").insert(0, "hi");
 *   await settle([a, b]);            // deliver everything, both ways, until nothing moves
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import pino from "pino";
import { vi } from "vitest";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import type { Logger } from "../logger";
import type { RoomConnection, RoomUser } from "./connection";
import { MIN_BROADCAST_INTERVAL_MS, type Room } from "./room";

// y-websocket's message types, spelled out here so that the clients do not depend on protocol.ts.
const messageSync = 0;
const messageAwareness = 1;
const messageQueryAwareness = 3;
const messageSaved = 4;

export type MessageKind = "sync-step-1" | "sync-step-2" | "update" | "awareness" | "query-awareness" | "saved" | "unknown";

/** What a message from the server is, by its first bytes (without validating the rest). */
export function messageKind(message: Uint8Array): MessageKind {
  const decoder = decoding.createDecoder(message);
  if (!decoding.hasContent(decoder)) return "unknown";
  switch (decoding.readVarUint(decoder)) {
    case messageSync: {
      if (!decoding.hasContent(decoder)) return "unknown";
      const kinds = ["sync-step-1", "sync-step-2", "update"] as const;
      return kinds[decoding.readVarUint(decoder)] ?? "unknown";
    }
    case messageAwareness:
      return "awareness";
    case messageQueryAwareness:
      return "query-awareness";
    case messageSaved:
      return "saved";
    default:
      return "unknown";
  }
}

let userCount = 0;

/** A user as authenticated at the upgrade; every call makes a new one unless overridden. */
export function buildUser(overrides: Partial<RoomUser> = {}): RoomUser {
  userCount += 1;
  return { id: `user-${userCount}`, name: `User ${userCount}`, color: "#3366ff", ...overrides };
}

export interface LogEntry {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

/** A real pino logger whose lines are collected, parsed, in `entries`. */
export function createTestLogger(level = "debug"): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const logger = pino({ level, base: undefined }, { write: (line: string) => void entries.push(JSON.parse(line) as LogEntry) });
  return { logger, entries };
}

/**
 * Resolves once the room's pending broadcast has gone out (it waits at most MIN_BROADCAST_INTERVAL_MS),
 * on the fake clock when a test has faked the timers.
 */
export async function nextTurn(): Promise<void> {
  if (vi.isFakeTimers()) {
    await vi.advanceTimersByTimeAsync(MIN_BROADCAST_INTERVAL_MS + 1);
    return;
  }
  await new Promise((resolve) => setTimeout(resolve, MIN_BROADCAST_INTERVAL_MS + 1));
  await new Promise((resolve) => setImmediate(resolve));
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The server's side of an in-process connection: records what the room sends and how it closes. */
export class FakeConnection implements RoomConnection {
  /** Every message the room sent, in order. */
  readonly sent: Uint8Array[] = [];
  /** Every close() call; a room should close a connection at most once. */
  readonly closes: Array<{ code: number; reason: string }> = [];

  get closed(): { code: number; reason: string } | undefined {
    return this.closes[0];
  }

  send(message: Uint8Array, onWritten?: () => void): void {
    // A room must forget a connection before closing it; a send after close is a room bug.
    if (this.closed) throw new Error(`send after close (${this.closed.code})`);
    this.sent.push(message);
    if (onWritten) queueMicrotask(onWritten);
  }

  close(code: number, reason: string): void {
    this.closes.push({ code, reason });
  }

  /** The messages of one kind the room sent. */
  sentOf(kind: MessageKind): Uint8Array[] {
    return this.sent.filter((message) => messageKind(message) === kind);
  }
}

export interface TestClientOptions {
  user?: RoomUser;
  readOnly?: boolean;
  acks?: boolean;
  /** Start from this document (e.g. one with offline edits). */
  doc?: Y.Doc;
}

/**
 * A y-websocket client in process: its own Y.Doc and Awareness, handling the room's messages as
 * y-websocket's provider does (y-protocols sync, awareness applied and re-broadcast) and sending
 * its local updates and awareness changes, all queued until `send()` / `receive()`.
 */
export class TestClient {
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness;
  readonly connection = new FakeConnection();
  readonly user: RoomUser;
  /** State vectors of the `saved` messages received. */
  readonly saved: Uint8Array[] = [];
  private readonly outbox: Uint8Array[] = [];
  private received = 0;

  constructor(
    readonly room: Room,
    private readonly options: TestClientOptions = {},
  ) {
    this.user = options.user ?? buildUser();
    this.doc = options.doc ?? new Y.Doc();
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    // Like y-websocket: no presence until the application sets some.
    this.awareness.setLocalState(null);
    this.doc.on("update", (update: Uint8Array, origin: unknown) => {
      if (origin === this) return;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, messageSync);
      syncProtocol.writeUpdate(encoder, update);
      this.outbox.push(encoding.toUint8Array(encoder));
    });
    // y-websocket re-broadcasts every awareness change, remote ones included; the room must cope.
    this.awareness.on("update", ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, messageAwareness);
      encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...added, ...updated, ...removed]));
      this.outbox.push(encoding.toUint8Array(encoder));
    });
  }

  /** The shared text most tests edit. */
  get text(): Y.Text {
    return this.doc.getText("t");
  }

  get isClosed(): boolean {
    return this.connection.closed !== undefined;
  }

  /** Messages waiting in either direction. */
  get pending(): number {
    return this.outbox.length + this.connection.sent.length - this.received;
  }

  /** Joins the room and queues what y-websocket sends on open: sync step 1, then its awareness state if any. */
  connect(): this {
    this.room.join(this.connection, this.user, { readOnly: this.options.readOnly ?? false, acks: this.options.acks });
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, messageSync);
    syncProtocol.writeSyncStep1(encoder, this.doc);
    this.outbox.push(encoding.toUint8Array(encoder));
    if (this.awareness.getLocalState() !== null) {
      const awareness = encoding.createEncoder();
      encoding.writeVarUint(awareness, messageAwareness);
      encoding.writeVarUint8Array(awareness, awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.doc.clientID]));
      this.outbox.push(encoding.toUint8Array(awareness));
    }
    return this;
  }

  /** Queues raw bytes for the room (e.g. a malformed message). */
  queue(message: Uint8Array): void {
    this.outbox.push(message);
  }

  /** Delivers the queued client → room messages, in order. Returns how many. */
  send(): number {
    const messages = this.outbox.splice(0);
    if (this.isClosed) return 0;
    for (const message of messages) this.room.receive(this.connection, message);
    return messages.length;
  }

  /** Handles the room → client messages not handled yet, queuing any replies. Returns how many. */
  receive(): number {
    let count = 0;
    while (this.received < this.connection.sent.length) {
      const message = this.connection.sent[this.received++] as Uint8Array;
      this.handle(message);
      count += 1;
    }
    return count;
  }

  /** `send()` then `receive()`. Returns how many messages moved. */
  flush(): number {
    return this.send() + this.receive();
  }

  /** The socket closes (the room forgets the connection, as the ws adapter's close handler does). */
  disconnect(): void {
    this.room.leave(this.connection);
  }

  destroy(): void {
    this.awareness.destroy();
    this.doc.destroy();
  }

  private handle(message: Uint8Array): void {
    const decoder = decoding.createDecoder(message);
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case messageSync: {
        const reply = encoding.createEncoder();
        encoding.writeVarUint(reply, messageSync);
        syncProtocol.readSyncMessage(decoder, reply, this.doc, this, (error) => {
          throw error;
        });
        if (encoding.length(reply) > 1) this.outbox.push(encoding.toUint8Array(reply));
        return;
      }
      case messageAwareness:
        awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this);
        return;
      case messageSaved:
        this.saved.push(decoding.readVarUint8Array(decoder));
        return;
      default:
        throw new Error(`the client cannot handle message type ${type}`);
    }
  }
}

/**
 * Moves messages both ways between the clients and their rooms, letting each room broadcast,
 * until nothing is left to move.
 * @throws Error if messages still move after `maxRounds` rounds (a message loop).
 */
export async function settle(clients: readonly TestClient[], maxRounds = 50): Promise<void> {
  for (let round = 0; round < maxRounds; round++) {
    let moved = 0;
    for (const client of clients) moved += client.flush();
    await nextTurn();
    if (moved === 0 && clients.every((client) => client.pending === 0)) return;
  }
  throw new Error(`messages still moving after ${maxRounds} rounds`);
}
