import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import type { Bus } from "../bus";
import type { Logger } from "../logger";
import { mentionsAdded, type DetectedMention, type MentionHandler } from "../mentions/detect";
import { CloseCode } from "./close-codes";
import { Refusal } from "./refusal";
import type { RoomConnection, RoomUser } from "./connection";
import {
  assertWholeUpdate,
  decodeAwarenessUpdate,
  decodeMessage,
  encodeAwareness,
  encodeAwarenessUpdate,
  encodeSaved,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
  ProtocolError,
  type ClientMessage,
} from "./protocol";
import { decodeRoomBusMessage, encodeRoomBusMessage, roomChannel, type RoomBusMessage } from "./room-bus";
import type { FlushTick } from "./flush-tick";
import type { DocumentStore } from "./store";
import { mergeToSnapshot, UpdateWriter, type WriterOptions } from "./update-writer";

/** Origin of the transaction that applies the stored state: not stored again, not broadcast. */
const LOAD_ORIGIN = Symbol("load");
/** Origin of stored rows applied while compacting: what the room lacked of them reaches its clients, it is never stored again. */
const STORED_ORIGIN = Symbol("stored");
/** Origin of changes from other instances: relayed to local clients, never stored or published again. */
const BUS_ORIGIN = Symbol("bus");
/** Marks a broadcast that must reach every connection, the sender included. */
const HELD_BACK = Symbol("held-back");
/** The origin of a broadcast with nothing in it yet, and of one merged from several origins. */
const NO_ORIGIN = Symbol("no-origin");
const SEVERAL_ORIGINS = Symbol("several-origins");
/** An encoded update with nothing in it (no structs, empty delete set). */
const EMPTY_UPDATE_BYTES = 2;
/**
 * A busy room's broadcasts are at least this far apart: a room receiving edits faster sends them
 * merged, one message per window. Every receiver then integrates one update instead of several
 * (cheaper for browsers and for the server's writes), at the cost of at most this much delay,
 * and only for edits that follow the previous broadcast this closely.
 */
export const MIN_BROADCAST_INTERVAL_MS = 2;
/**
 * A room is busy while its broadcasts are on average closer than this (an exponentially
 * weighted mean of the gaps): a room that is not, broadcasts every turn without waiting.
 */
const BUSY_BROADCAST_GAP_MS = 4;
/**
 * Longer gaps count as this long in the mean: any such gap only says "quiet", and a room that
 * turns busy after a long pause then spaces its broadcasts out within a handful of them
 * (about seven), not the twenty-odd a one-second gap would take to wear off.
 */
const QUIET_BROADCAST_GAP_MS = 4 * BUSY_BROADCAST_GAP_MS;
/** How long a loading room waits for its early sync answers to leave before it applies the document. */
const ANSWER_DRAIN_LIMIT_MS = 100;
/**
 * Stored state at least this large takes milliseconds to apply (a 261 KiB document: 10–60 ms).
 * A loading room that found this much waits for the clients that joined to ask (their sync
 * step 1) and answers them from the stored bytes first, instead of making them wait for the
 * apply and then encoding the document once more. The query often returns before the client's
 * step 1 arrives, so without the wait most cold loads paid for both.
 */
const LARGE_DOCUMENT_BYTES = 64 * 1024;
/** The longest a loading room waits for its clients' first message: about one round trip. */
const FIRST_MESSAGE_LIMIT_MS = 100;

interface Peer {
  user: RoomUser;
  readOnly: boolean;
  /** Wants `saved` messages (Tandem's own client, `?acks=1`). */
  acks: boolean;
  /** Awareness client ids this connection has announced; only it may change them. */
  clientIds: Set<number>;
  /** Messages that arrived before the room finished loading, replayed in order on admission. */
  queued?: Uint8Array[];
  /** Their bytes: the queue is bounded (RoomLimits). */
  queuedBytes: number;
}

/** What a room refuses to hold or store for anyone (config.limits). */
export interface RoomLimits {
  /** Largest awareness update one message may carry; larger closes the connection with 1009. */
  maxAwarenessBytes: number;
  /** Writes that would take the document past this are refused (4413); deletions still pass. */
  maxDocumentBytes: number;
  /** Messages (and bytes) a connection may send while the room loads; more closes it with 4429. */
  queueMessages: number;
  queueBytes: number;
}

/** No limits: for rooms in tests that are not about them. */
export const UNLIMITED: RoomLimits = {
  maxAwarenessBytes: Number.POSITIVE_INFINITY,
  maxDocumentBytes: Number.POSITIVE_INFINITY,
  queueMessages: Number.POSITIVE_INFINITY,
  queueBytes: Number.POSITIVE_INFINITY,
};

type RoomState =
  /** `onMessage` is set while the room waits for its clients' first messages. */
  | { kind: "loading"; onMessage?: () => void }
  | { kind: "ready" }
  | { kind: "failed"; error: unknown }
  | { kind: "closed" };

export interface RoomOptions {
  store: DocumentStore;
  logger: Logger;
  /** Default: UNLIMITED. */
  limits?: RoomLimits;
  writer?: WriterOptions;
  /** Shared by the rooms of one registry, so their writers store together; each room has its own otherwise. */
  flushTick?: FlushTick;
  /** Called when the last connection leaves (the registry decides when to unload). */
  onEmpty?: (room: Room) => void;
  /** Other instances with the same document: updates and awareness are exchanged over it. */
  bus?: Bus;
  /** Mention nodes a client's accepted update added (detected from the update itself, at most `onMentions.perUpdate`). */
  onMentions?: MentionHandler;
}

/**
 * One loaded document: its Y.Doc, its awareness and its connections. It admits no client before
 * the stored state is loaded, stores every accepted update through its writer, and broadcasts
 * the updates of one event-loop turn as one message, encoded once for all receivers.
 */
export class Room {
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness;
  private readonly writer: UpdateWriter;
  private readonly peers = new Map<RoomConnection, Peer>();
  private readonly clientOwners = new Map<number, RoomConnection>();
  private state: RoomState = { kind: "loading" };
  /** Made on first use: thousands of idle rooms never log, and a child logger per room adds up. */
  private childLogger: Logger | undefined;

  private outgoingUpdates: Uint8Array[] = [];
  /**
   * Where the updates of the next broadcast came from: one connection (which then does not get
   * them back), or SEVERAL_ORIGINS / HELD_BACK (everyone gets them).
   */
  private outgoingOrigin: unknown = NO_ORIGIN;
  /** Those of `outgoingUpdates` this instance accepted (the rest came over the bus): to store and publish. */
  private outgoingAccepted: Uint8Array[] = [];
  /** Made when needed and dropped once sent: an idle room holds no collection for it. */
  private outgoingAwareness: Set<number> | undefined;
  private flushScheduled = false;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  /** Mean gap between this room's broadcasts, ms (exponentially weighted). */
  private meanFlushGap = Number.POSITIVE_INFINITY;
  /**
   * About how many bytes the stored document takes: what was loaded, plus every update applied
   * since, reset to the snapshot's size when the log is compacted. Checked against the size limit.
   */
  private documentBytes = 0;
  /** Per Yjs client, the clock up to which its updates are stored durably. */
  private readonly durable = new Map<number, number>();
  // Callbacks bound once per room. Not arrow-function fields: esbuild's keepNames (tsx runs the
  // server) renames each such arrow, which turns the function into a ~300-byte dictionary object.
  private readonly onDocUpdate = this.docUpdated.bind(this);
  private readonly onAwarenessUpdate = this.awarenessUpdated.bind(this);
  private readonly onFlushDue = this.flushOutgoing.bind(this);
  /** Bound once the room first sees a write (see watchContent). */
  private contentObserver: ((events: Array<Y.YEvent<Y.AbstractType<unknown>>>, transaction: Y.Transaction) => void) | undefined;

  constructor(
    readonly documentId: string,
    private readonly options: RoomOptions,
  ) {
    // The document id as guid: Yjs would otherwise draw a random one per room.
    this.doc = new Y.Doc({ gc: true, guid: documentId });
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    // The writer names the document in every line it logs.
    this.writer = new UpdateWriter(documentId, options.store, options.logger, options.writer, this.stored.bind(this), options.flushTick, this.snapshotWith.bind(this));
    // The server has no presence of its own.
    this.awareness.setLocalState(null);
    this.awareness.on("update", this.onAwarenessUpdate);
    // Subscribed before loading, so nothing another instance accepts meanwhile is missed.
    this.unsubscribeBus = options.bus?.subscribe(roomChannel(documentId), this.busMessage.bind(this));
  }

  private readonly unsubscribeBus: (() => void) | undefined;

  private get logger(): Logger {
    this.childLogger ??= this.options.logger.child({ documentId: this.documentId });
    return this.childLogger;
  }

  get connectionCount(): number {
    return this.peers.size;
  }

  get isReady(): boolean {
    return this.state.kind === "ready";
  }

  get isClosed(): boolean {
    return this.state.kind === "closed";
  }

  /** Updates accepted but not yet stored. */
  get unsavedUpdates(): number {
    return this.writer.pendingCount + this.outgoingAccepted.length;
  }

  /**
   * Loads the stored state, then admits the connections that joined meanwhile. On failure they
   * are closed with `loadFailed` and nothing is ever written.
   */
  async load(): Promise<void> {
    try {
      const updates = await this.options.store.load(this.documentId);
      this.documentBytes = totalBytes(updates);
      // Applying a large document blocks for a while: answer the clients first, and let the answers leave.
      if (totalBytes(updates) >= LARGE_DOCUMENT_BYTES) await this.firstMessages();
      await this.answerWaitingSyncs(updates);
      Y.transact(this.doc, () => {
        for (const update of updates) Y.applyUpdate(this.doc, update);
      }, LOAD_ORIGIN);
      // Listening only from now on: Yjs then does not encode the loaded state once more for nobody.
      // Whatever another instance sent meanwhile is in the document, and reaches clients as they sync.
      this.doc.on("update", this.onDocUpdate);
      for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(this.doc))) this.durable.set(client, clock);
    } catch (error) {
      this.state = { kind: "failed", error };
      this.logger.error({ err: error }, "loading the document failed");
      for (const connection of [...this.peers.keys()]) connection.close(CloseCode.loadFailed, "The document could not be loaded. Try again shortly.");
      this.peers.clear();
      this.destroy();
      throw error;
    }
    this.state = { kind: "ready" };
    // Everyone who joined left while it loaded: nobody else will report the room empty.
    if (this.peers.size === 0) this.options.onEmpty?.(this);
    for (const [connection, peer] of this.peers) this.admit(connection, peer);
    // Instances that hold this document answer with whatever they have that we lack.
    this.publishStateVector();
  }

  /**
   * Resolves once every connection that joined has sent something (a y-websocket client's first
   * message is its sync step 1), or after FIRST_MESSAGE_LIMIT_MS: a silent client holds nobody up for long.
   */
  private firstMessages(): Promise<void> {
    const state = this.state;
    if (state.kind !== "loading" || this.allPeersSpoke()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(limit);
        state.onMessage = undefined;
        resolve();
      };
      const limit = setTimeout(done, FIRST_MESSAGE_LIMIT_MS);
      state.onMessage = () => {
        if (this.allPeersSpoke()) done();
      };
    });
  }

  private allPeersSpoke(): boolean {
    for (const peer of this.peers.values()) if (peer.queued?.length === 0) return false;
    return true;
  }

  /**
   * Answers the clients that asked for the document while it loaded (a queued sync step 1)
   * straight from the stored updates, before this room applies them: the client decodes the
   * document while the server does, instead of after it. What they get equals what the loaded
   * Y.Doc would encode; whatever changes after reaches them once they are admitted. Resolves once
   * the answers have left the process (at most ANSWER_DRAIN_LIMIT_MS): a large answer is written
   * as the client reads it, which needs the event loop the apply would block.
   */
  private answerWaitingSyncs(stored: Uint8Array[]): Promise<void> {
    if (stored.length === 0) return Promise.resolve();
    const written: Array<Promise<void>> = [];
    let state: Uint8Array | undefined;
    for (const [connection, peer] of this.peers) {
      const first = peer.queued?.[0];
      if (!first) continue;
      let reply: Uint8Array;
      try {
        const message = decodeMessage(first);
        if (message.kind !== "sync-step-1") continue;
        state ??= stored.length === 1 ? (stored[0] as Uint8Array) : Y.mergeUpdates(stored);
        reply = Y.decodeStateVector(message.stateVector).size === 0 ? state : Y.diffUpdate(state, message.stateVector);
      } catch {
        continue; // Left in the queue: handled on admission, where a malformed message closes its connection only.
      }
      written.push(new Promise((resolve) => connection.send(encodeSyncStep2(reply), resolve)));
      peer.queued?.shift();
    }
    if (written.length === 0) return Promise.resolve();
    // A socket that does not drain (a stalled client) holds nobody up for long.
    return new Promise<void>((resolve) => {
      const limit = setTimeout(resolve, ANSWER_DRAIN_LIMIT_MS);
      void Promise.all(written).then(() => {
        clearTimeout(limit);
        resolve();
      });
    });
  }

  /** Tells other instances what this room has; they answer with what it lacks (healing). */
  publishStateVector(): void {
    if (this.state.kind !== "ready" || !this.options.bus) return;
    this.options.bus.publish(roomChannel(this.documentId), encodeRoomBusMessage({ kind: "state-vector", stateVector: Y.encodeStateVector(this.doc) }));
  }

  /** Adds a connection; before the load completes it waits (its messages are queued). */
  join(connection: RoomConnection, user: RoomUser, options: { readOnly: boolean; acks?: boolean }): void {
    if (this.state.kind === "failed" || this.state.kind === "closed") {
      connection.close(this.state.kind === "failed" ? CloseCode.loadFailed : CloseCode.serviceRestart, "The document is not available on this server right now.");
      return;
    }
    const peer: Peer = { user, readOnly: options.readOnly, acks: options.acks ?? false, clientIds: new Set(), queuedBytes: 0 };
    this.peers.set(connection, peer);
    if (this.state.kind === "ready") this.admit(connection, peer);
    else peer.queued = [];
  }

  /** Handles one message from a connection. A malformed one closes that connection only. */
  receive(connection: RoomConnection, data: Uint8Array): void {
    const peer = this.peers.get(connection);
    if (!peer) return;
    if (peer.queued) {
      this.queueWhileLoading(connection, peer, peer.queued, data);
      return;
    }
    try {
      this.handle(connection, peer, decodeMessage(data));
    } catch (error) {
      const { code, reason } = error instanceof Refusal ? error : { code: CloseCode.malformedMessage, reason: error instanceof ProtocolError ? error.message : "invalid Yjs update" };
      this.logger.warn({ err: error, userId: peer.user.id, code }, "message refused; closing the connection");
      this.leave(connection);
      connection.close(code, reason.slice(0, 120));
    }
  }

  /** Holds a message until the room is loaded; a client that sends too much meanwhile is closed. */
  private queueWhileLoading(connection: RoomConnection, peer: Peer, queued: Uint8Array[], data: Uint8Array): void {
    const limits = this.limits;
    if (queued.length + 1 > limits.queueMessages || peer.queuedBytes + data.byteLength > limits.queueBytes) {
      this.logger.warn({ userId: peer.user.id, queued: queued.length, bytes: peer.queuedBytes }, "too many messages while the document loads; closing the connection");
      this.leave(connection);
      connection.close(CloseCode.rateLimited, "Too many messages while the document loads.");
      return;
    }
    queued.push(data);
    peer.queuedBytes += data.byteLength;
    if (this.state.kind === "loading") this.state.onMessage?.();
  }

  private get limits(): RoomLimits {
    return this.options.limits ?? UNLIMITED;
  }

  /** Removes a connection and its awareness states (at once, so its cursor disappears). */
  leave(connection: RoomConnection): void {
    const peer = this.peers.get(connection);
    if (!peer) return;
    this.peers.delete(connection);
    if (this.state.kind === "loading") this.state.onMessage?.();
    const clientIds = [...peer.clientIds].filter((id) => this.clientOwners.get(id) === connection);
    for (const id of clientIds) this.clientOwners.delete(id);
    if (clientIds.length > 0 && this.state.kind === "ready") awarenessProtocol.removeAwarenessStates(this.awareness, clientIds, connection);
    if (this.peers.size === 0) this.options.onEmpty?.(this);
  }

  /** Changes what a connected user may do (their role changed). */
  setReadOnly(userId: string, readOnly: boolean): void {
    for (const peer of this.peers.values()) if (peer.user.id === userId) peer.readOnly = readOnly;
  }

  /** Closes every connection of one user (access revoked) or of everyone (userId undefined). */
  disconnect(code: number, reason: string, userId?: string): void {
    for (const [connection, peer] of [...this.peers]) {
      if (userId !== undefined && peer.user.id !== userId) continue;
      this.leave(connection);
      connection.close(code, reason);
    }
  }

  /** Resolves once every accepted update is stored. */
  flush(): Promise<void> {
    this.flushOutgoing();
    return this.writer.flush();
  }

  /**
   * Stores everything and compacts the log, then releases memory — unless someone joined
   * meanwhile. Returns whether the room closed.
   */
  async unload(): Promise<boolean> {
    if (this.state.kind !== "ready") return this.state.kind === "closed";
    await this.flush();
    await this.storeWhatTheStoreLacks();
    await this.writer.compact();
    if (this.peers.size > 0 || this.state.kind !== "ready") return false;
    // A client may have joined, edited and left while this flushed or compacted: store that too.
    if (this.unsavedUpdates > 0) return this.unload();
    this.destroy();
    return true;
  }

  /**
   * Updates that reached this room from another instance are stored by the instance that
   * accepted them; if that instance died before storing them, this room is the last holder.
   * Before letting go, store whatever the stored state lacks.
   */
  private async storeWhatTheStoreLacks(): Promise<void> {
    if (!this.options.bus) return;
    const stored = new Y.Doc();
    try {
      for (const update of await this.options.store.load(this.documentId)) Y.applyUpdate(stored, update);
      // The diff always carries the whole delete set; it is missing only if applying it changes the stored state.
      const missing = Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(stored));
      let changed = false;
      stored.once("update", () => (changed = true));
      Y.applyUpdate(stored, missing);
      if (changed) {
        this.writer.enqueue(missing);
        await this.writer.flush();
      }
    } catch (error) {
      this.logger.error({ err: error }, "checking the stored state before unloading failed");
    } finally {
      stored.destroy();
    }
  }

  /** Server shutdown: closes every connection so clients reconnect elsewhere, then stores everything. */
  async shutdown(): Promise<void> {
    if (this.state.kind === "ready") this.flushOutgoing();
    this.disconnect(CloseCode.serviceRestart, "The server is restarting.");
    if (this.state.kind === "ready") {
      await this.writer.flush();
      await this.storeWhatTheStoreLacks();
    }
    this.destroy();
  }

  private destroy(): void {
    if (this.state.kind !== "failed") this.state = { kind: "closed" };
    this.writer.close();
    this.options.store.forget(this.documentId);
    this.unsubscribeBus?.();
    this.doc.off("update", this.onDocUpdate);
    if (this.contentObserver) this.doc.getXmlFragment("default").unobserveDeep(this.contentObserver);
    this.awareness.off("update", this.onAwarenessUpdate);
    this.awareness.destroy();
    this.doc.destroy();
  }

  private admit(connection: RoomConnection, peer: Peer): void {
    const queued = peer.queued ?? [];
    delete peer.queued;
    peer.queuedBytes = 0;
    // Our state vector: the client answers with whatever it has that we lack (offline edits).
    connection.send(encodeSyncStep1(Y.encodeStateVector(this.doc)));
    const states = [...this.awareness.getStates().keys()];
    if (states.length > 0) connection.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, states)));
    if (peer.acks) connection.send(this.savedMessage());
    for (const data of queued) {
      if (!this.peers.has(connection)) break;
      this.receive(connection, data);
    }
  }

  private handle(connection: RoomConnection, peer: Peer, message: ClientMessage): void {
    switch (message.kind) {
      case "sync-step-1":
        connection.send(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, message.stateVector)));
        return;
      case "sync-step-2":
      case "update":
        // A viewer's writes are neither applied, stored nor relayed.
        if (peer.readOnly) return;
        if (this.doc.store.pendingStructs || this.doc.store.pendingDs) {
          // This update may release updates Yjs held back for it (from other clients): the
          // resulting broadcast then carries their content too, which the sender lacks.
          this.noteOrigin(HELD_BACK);
        }
        assertWholeUpdate(message.update);
        this.assertRoomFor(message.update);
        if (message.update.byteLength > EMPTY_UPDATE_BYTES) this.watchContent();
        Y.applyUpdate(this.doc, message.update, connection);
        return;
      case "awareness":
        this.applyAwareness(connection, peer, message.update);
        return;
      case "query-awareness":
        connection.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()])));
        return;
      default: {
        const unknown: never = message;
        throw new ProtocolError(`unhandled message ${JSON.stringify(unknown)}`);
      }
    }
  }

  /**
   * Refuses an update that would take the document past its size limit, unless it adds no
   * content (deletions only): a full document can still be trimmed.
   * @throws Refusal with documentTooLarge.
   */
  private assertRoomFor(update: Uint8Array): void {
    const max = this.limits.maxDocumentBytes;
    if (this.documentBytes + update.byteLength <= max || Y.parseUpdateMeta(update).to.size === 0) return;
    throw new Refusal(CloseCode.documentTooLarge, `The document reached its size limit (${formatBytes(max)}); this change was not saved.`);
  }

  /**
   * Applies a client's awareness update with the server's word on identity: `user` is always
   * the connection's authenticated user, and a client id announced by another connection is
   * not this one's to change.
   */
  private applyAwareness(connection: RoomConnection, peer: Peer, update: Uint8Array): void {
    if (update.byteLength > this.limits.maxAwarenessBytes) {
      throw new Refusal(CloseCode.messageTooBig, `Awareness state larger than ${formatBytes(this.limits.maxAwarenessBytes)}.`);
    }
    const entries = decodeAwarenessUpdate(update).filter((entry) => {
      const owner = this.clientOwners.get(entry.clientId);
      return owner === undefined || owner === connection;
    });
    if (entries.length === 0) return;
    for (const entry of entries) {
      if (entry.state !== null) {
        entry.state = { ...entry.state, user: { id: peer.user.id, name: peer.user.name, color: peer.user.color } };
        this.clientOwners.set(entry.clientId, connection);
        peer.clientIds.add(entry.clientId);
      }
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwarenessUpdate(entries), connection);
  }

  /**
   * The compaction's merge, from the loaded document instead of a new one built from every row
   * (which blocks for long on a big log). The compaction deletes every row it read, so the
   * snapshot must contain them all. The document holds everything the store loaded and all this
   * process stored since; what it may lack is what the store reports `unknown` — rows or a
   * snapshot another process wrote (another instance whose bus message was lost) — and those are
   * applied first: what they add reaches this room's clients and is not stored again. So a
   * compaction never deletes a row its snapshot does not contain, and costs no re-decoding of
   * rows the room has. The document may hold more than the rows (accepted, not yet stored):
   * those rows come later and apply as no-ops. Pending structs (missing a dependency) are encoded too.
   */
  private snapshotWith(stored: Uint8Array[], unknown: Uint8Array[]): Uint8Array {
    if (this.state.kind !== "ready") return mergeToSnapshot(stored);
    if (unknown.length > 0) {
      Y.transact(this.doc, () => {
        for (const update of unknown) Y.applyUpdate(this.doc, update);
      }, STORED_ORIGIN);
    }
    const snapshot = Y.encodeStateAsUpdate(this.doc);
    this.documentBytes = snapshot.byteLength;
    return snapshot;
  }

  private savedMessage(): Uint8Array {
    return encodeSaved(Y.encodeStateVector(this.durable));
  }

  private stored(update: Uint8Array): void {
    // parseUpdateMeta's `to` is where each client's structs in this batch end; the state vector
    // of an update counts only clients whose structs start at clock 0.
    for (const [client, clock] of Y.parseUpdateMeta(update).to) {
      if ((this.durable.get(client) ?? 0) < clock) this.durable.set(client, clock);
    }
    if (this.state.kind !== "ready") return;
    let message: Uint8Array | undefined;
    for (const [connection, peer] of this.peers) {
      if (!peer.acks || peer.queued) continue;
      message ??= this.savedMessage();
      connection.send(message);
    }
  }

  /**
   * Starts looking for mentions in what clients write, before the first update that could hold
   * one: a room nobody writes to never builds the content type and its observers.
   */
  private watchContent(): void {
    if (this.contentObserver || !this.options.onMentions) return;
    this.contentObserver = this.contentChanged.bind(this);
    this.doc.getXmlFragment("default").observeDeep(this.contentObserver);
  }

  /**
   * Runs inside the transaction's observers, where the transaction's new structs are still apart
   * from the old ones. Detection reads only those (and stops at `perUpdate` mentions), so a
   * hostile update costs the room about what applying it did; what to do with the mentions is
   * the handler's business, off this path.
   */
  private contentChanged(_events: Array<Y.YEvent<Y.AbstractType<unknown>>>, transaction: Y.Transaction): void {
    const onMentions = this.options.onMentions;
    const peer = this.peers.get(transaction.origin as RoomConnection);
    if (!peer || !onMentions) return;
    let mentions: DetectedMention[];
    try {
      mentions = mentionsAdded(transaction, this.doc.getXmlFragment("default"), onMentions.perUpdate).mentions;
    } catch (error) {
      // The update itself is fine and applied: a failure here must not fail the sender's message.
      this.logger.error({ err: error, authorId: peer.user.id }, "detecting mentions failed");
      return;
    }
    if (mentions.length > 0) onMentions({ documentId: this.documentId, authorId: peer.user.id, mentions });
  }

  private busMessage(data: Uint8Array): void {
    if (this.state.kind === "closed" || this.state.kind === "failed") return;
    let message: RoomBusMessage;
    try {
      message = decodeRoomBusMessage(data);
    } catch (error) {
      this.logger.warn({ err: error }, "malformed message from another instance; ignored");
      return;
    }
    try {
      switch (message.kind) {
        case "update":
          Y.applyUpdate(this.doc, message.update, BUS_ORIGIN);
          return;
        case "awareness":
          awarenessProtocol.applyAwarenessUpdate(this.awareness, message.update, BUS_ORIGIN);
          return;
        case "state-vector":
          this.answerStateVector(message.stateVector);
          return;
        default: {
          const unknown: never = message;
          throw new Error(`unhandled room bus message ${JSON.stringify(unknown)}`);
        }
      }
    } catch (error) {
      this.logger.warn({ err: error, kind: message.kind }, "applying a message from another instance failed");
    }
  }

  /** Sends a peer what it lacks, and our own state vector when it has something we lack. */
  private answerStateVector(encoded: Uint8Array): void {
    if (this.state.kind !== "ready" || !this.options.bus) return;
    const theirs = Y.decodeStateVector(encoded);
    const missing = Y.encodeStateAsUpdate(this.doc, encoded);
    if (missing.byteLength > EMPTY_UPDATE_BYTES) this.options.bus.publish(roomChannel(this.documentId), encodeRoomBusMessage({ kind: "update", update: missing }));
    const ours = Y.decodeStateVector(Y.encodeStateVector(this.doc));
    for (const [client, clock] of theirs) {
      if ((ours.get(client) ?? 0) < clock) {
        this.publishStateVector();
        return;
      }
    }
  }

  private docUpdated(update: Uint8Array, origin: unknown): void {
    if (origin === LOAD_ORIGIN) return;
    this.documentBytes += update.byteLength;
    if (origin !== BUS_ORIGIN && origin !== STORED_ORIGIN) this.outgoingAccepted.push(update);
    this.outgoingUpdates.push(update);
    this.noteOrigin(origin);
    this.scheduleFlush();
  }

  private awarenessUpdated({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown): void {
    const outgoing = (this.outgoingAwareness ??= new Set());
    for (const id of added) outgoing.add(id);
    for (const id of updated) outgoing.add(id);
    for (const id of removed) outgoing.add(id);
    // Changes made by local connections (not relayed ones, not local timeouts) go to the other instances.
    if (this.options.bus && origin !== BUS_ORIGIN && typeof origin === "object" && origin !== null) {
      const changed = [...added, ...updated, ...removed];
      this.options.bus.publish(roomChannel(this.documentId), encodeRoomBusMessage({ kind: "awareness", update: awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed) }));
    }
    this.scheduleFlush();
  }

  private noteOrigin(origin: unknown): void {
    if (this.outgoingOrigin === NO_ORIGIN) this.outgoingOrigin = origin;
    else if (this.outgoingOrigin !== origin) this.outgoingOrigin = SEVERAL_ORIGINS;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    const wait = this.meanFlushGap < BUSY_BROADCAST_GAP_MS ? this.lastFlushAt + MIN_BROADCAST_INTERVAL_MS - performance.now() : 0;
    // setImmediate runs after every socket read of this event-loop turn: one message for all of them.
    if (wait <= 0) setImmediate(this.onFlushDue);
    else setTimeout(this.onFlushDue, Math.ceil(wait));
  }

  private flushOutgoing(): void {
    this.flushScheduled = false;
    const now = performance.now();
    const gap = Math.min(now - this.lastFlushAt, QUIET_BROADCAST_GAP_MS);
    this.meanFlushGap = Number.isFinite(this.meanFlushGap) ? 0.8 * this.meanFlushGap + 0.2 * gap : gap;
    this.lastFlushAt = now;
    if (this.state.kind !== "ready") return;
    if (this.outgoingUpdates.length > 0) {
      const updates = this.outgoingUpdates;
      // A lone sender already has its own update; with several senders, everyone gets the merge.
      const skip = this.outgoingOrigin;
      const accepted = this.outgoingAccepted;
      this.outgoingUpdates = [];
      this.outgoingOrigin = NO_ORIGIN;
      this.outgoingAccepted = [];
      const merged = updates.length === 1 ? (updates[0] as Uint8Array) : Y.mergeUpdates(updates);
      // Stored and published as broadcast, merged: one merge per turn serves all three.
      if (accepted.length === updates.length) this.storeAndPublish(merged);
      else for (const update of accepted) this.storeAndPublish(update);
      const message = encodeUpdate(merged);
      for (const connection of this.peers.keys()) if (connection !== skip) this.sendTo(connection, message);
    }
    if (this.outgoingAwareness) {
      const clients = [...this.outgoingAwareness];
      this.outgoingAwareness = undefined;
      const message = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
      for (const connection of this.peers.keys()) this.sendTo(connection, message);
    }
  }

  /** Only the instance that accepted an update stores it and tells the others. */
  private storeAndPublish(update: Uint8Array): void {
    this.writer.enqueue(update);
    this.options.bus?.publish(roomChannel(this.documentId), encodeRoomBusMessage({ kind: "update", update }));
  }

  private sendTo(connection: RoomConnection, message: Uint8Array): void {
    const peer = this.peers.get(connection);
    if (!peer || peer.queued) return;
    connection.send(message);
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

function totalBytes(updates: readonly Uint8Array[]): number {
  let total = 0;
  for (const update of updates) total += update.byteLength;
  return total;
}
