import * as decoding from "lib0/decoding";
import { IndexeddbPersistence } from "y-indexeddb";
import { messageSync, WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { CloseCode, FINAL_CLOSE_CODES } from "@/server/collab/close-codes";
import { MessageType } from "@/server/collab/protocol";
import { reconnectDelay } from "./backoff";
import { pendingChanges, raiseStateVector, type SavedStateStore, type StateVector } from "./pending";
import { presentUsers, samePresence, type PresentUser } from "./presence";

/** Longest wait between reconnection attempts before jitter (jitter makes it up to 1.5×). */
export const MAX_BACKOFF_MS = 10_000;
/** How long the editor waits for the local copy before opening without it (IndexedDB blocked). */
const LOCAL_LOAD_TIMEOUT_MS = 3_000;
/** After this many failed attempts that never opened a socket, ask the API why. */
const PROBE_AFTER_FAILURES = 2;

/** Why the session stopped for good: reconnecting cannot help until something changes. */
export type ClosedReason =
  /** The session ended (signed out or expired): sign in again. */
  | "unauthorized"
  /** The person's access to the document was removed. */
  | "forbidden"
  /** The document was deleted. */
  | "deleted"
  /** The document is gone or no longer shared with the person (the API cannot tell which). */
  | "gone"
  /** A change was larger than the server accepts. */
  | "too-big"
  /** The document reached its size limit: the change that would pass it was refused. */
  | "document-full"
  /** The server refused a message as malformed. */
  | "rejected";

export type ConnectionState =
  | { kind: "offline" }
  | { kind: "connecting" }
  | { kind: "connected" }
  | { kind: "closed"; reason: ClosedReason };

export interface CollabSnapshot {
  connection: ConnectionState;
  /** Yjs items (characters, nodes, marks) stored on this device (IndexedDB) but not yet by the server. */
  pending: number;
  /** The people with the document open, once each, the local person included. */
  presence: readonly PresentUser[];
}

/** What the API says about the document when sockets keep failing to open. */
export type AccessCheck = "ok" | "unauthorized" | "gone" | "unknown";

export interface CollabSessionOptions {
  documentId: string;
  /** The signed-in person, announced in awareness (the server overrides it with the same). */
  user: PresentUser;
  /** Base address of the co-editing endpoint, e.g. "wss://tandem.example/collab". */
  serverUrl: string;
  savedState: SavedStateStore;
  /** Asked after repeated failures to open a socket, whose HTTP refusal a browser hides. */
  checkAccess: () => Promise<AccessCheck>;
  random?: () => number;
}

/**
 * One open document: its Y.Doc, the local copy in IndexedDB and the connection to the server.
 *
 * The local copy loads first (`whenLoaded`), then the socket connects. Reconnection is ours, not
 * y-websocket's (whose backoff is the same for every client): after a close we wait
 * `reconnectDelay` — exponential backoff with jitter — and stop for good after a final close
 * code. While the browser is offline no attempt is made; coming back online connects at once.
 *
 * `pending` counts what only this device has — committed to IndexedDB — against what the
 * server acknowledged as stored (Tandem's `saved` message, remembered across reloads) and what
 * arrived from the server.
 */
export class CollabSession {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  /** Resolves once the local copy is in `doc` (or after a timeout if IndexedDB is unusable). */
  readonly whenLoaded: Promise<void>;

  private readonly persistence: IndexeddbPersistence;
  private readonly options: CollabSessionOptions;
  private readonly random: () => number;
  private readonly listeners = new Set<() => void>();
  private readonly cleanups: (() => void)[] = [];
  /** The last state vector the server reported as stored durably. */
  private saved: StateVector;
  /** Content that came from the server over the socket: the server has it, it is not ours to count. */
  private readonly fromServer: StateVector = new Map();
  /** What IndexedDB has committed: only that is "saved on this device". */
  private storedLocally: StateVector = new Map();
  private marker: "idle" | "in-flight" | "again" = "idle";
  private snapshot: CollabSnapshot;
  private failures = 0;
  private socketOpened = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private probing = false;
  /** The local copy is in `doc`: only then does connecting make sense (sync step 1 says what we have). */
  private loaded = false;
  private destroyed = false;

  constructor(options: CollabSessionOptions) {
    this.options = options;
    this.random = options.random ?? Math.random;
    this.saved = options.savedState.load();
    this.snapshot = { connection: navigator.onLine ? { kind: "connecting" } : { kind: "offline" }, pending: 0, presence: [] };

    this.persistence = new IndexeddbPersistence(`tandem-doc-${options.documentId}`, this.doc);
    this.provider = new WebsocketProvider(options.serverUrl, options.documentId, this.doc, {
      connect: false,
      params: { acks: "1" },
      maxBackoffTime: MAX_BACKOFF_MS,
      disableBc: false,
      shouldReconnect: (event) => !isFinal(event.code),
    });
    this.provider.awareness.setLocalStateField("user", options.user);
    this.installMessageHandlers();

    // The provider's own listeners go with provider.destroy().
    this.provider.on("status", ({ status }) => {
      if (status === "connected") this.socketOpened = true;
      if (status === "connecting") this.setConnection({ kind: "connecting" });
    });
    this.provider.on("sync", (synced) => {
      if (!synced) return;
      this.failures = 0;
      this.setConnection({ kind: "connected" });
    });
    this.provider.on("connection-close", (event) => this.onClose(event));
    // Registered after the persistence's own listener, so its write is queued before our marker.
    const onUpdate = () => this.markStoredLocally();
    this.doc.on("update", onUpdate);
    this.cleanups.push(() => this.doc.off("update", onUpdate));
    const onAwareness = () => this.refreshPresence();
    this.provider.awareness.on("change", onAwareness);
    this.cleanups.push(() => this.provider.awareness.off("change", onAwareness));
    this.refreshPresence();

    const onOnline = () => this.connectNow();
    const onOffline = () => this.goOffline();
    window.addEventListener("online", onOnline);
    window.addEventListener("offline", onOffline);
    this.cleanups.push(() => {
      window.removeEventListener("online", onOnline);
      window.removeEventListener("offline", onOffline);
    });

    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        console.warn("Tandem's local copy did not open in time; continuing without it");
        resolve();
      }, LOCAL_LOAD_TIMEOUT_MS);
    });
    this.whenLoaded = Promise.race([this.persistence.whenSynced.then(() => undefined), timeout]).then(() => {
      clearTimeout(timer);
      this.loaded = true;
      this.markStoredLocally();
      this.connectNow();
    });
    this.cleanups.push(() => clearTimeout(timer));
  }

  /** For useSyncExternalStore. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** For useSyncExternalStore: the same object until something shown changes. */
  getSnapshot = (): CollabSnapshot => this.snapshot;

  /** Disconnects and releases everything; safe to call twice. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearTimeout(this.retryTimer);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.provider.destroy();
    // Also destroys the awareness and the IndexedDB persistence, which listen for it.
    this.doc.destroy();
    this.listeners.clear();
  }

  /**
   * Tandem's `saved` (type 4): everything up to this state vector is stored durably. And the
   * sync handler, wrapped to note what the server sent us: that is on the server already.
   */
  private installMessageHandlers(): void {
    this.provider.messageHandlers[MessageType.saved] = (_encoder, decoder) => {
      this.saved = Y.decodeStateVector(decoding.readVarUint8Array(decoder));
      this.options.savedState.save(this.saved);
      this.refreshPending();
    };
    const sync = this.provider.messageHandlers[messageSync];
    if (!sync) throw new Error("y-websocket has no sync message handler");
    this.provider.messageHandlers[messageSync] = (encoder, decoder, provider, emitSynced, messageType) => {
      // emitSynced is false for messages from other tabs (BroadcastChannel), which the server may lack.
      if (!emitSynced) return sync(encoder, decoder, provider, emitSynced, messageType);
      const before = stateVector(this.doc);
      sync(encoder, decoder, provider, emitSynced, messageType);
      const arrived = [...stateVector(this.doc)].filter(([client, clock]) => clock > (before.get(client) ?? 0));
      if (raiseStateVector(this.fromServer, new Map(arrived))) this.refreshPending();
    };
  }

  private onClose(event: CloseEvent | null): void {
    // y-websocket has already scheduled its own retry; this makes it a no-op, ours replaces it.
    this.provider.shouldConnect = false;
    const opened = this.socketOpened;
    this.socketOpened = false;
    if (this.destroyed || this.snapshot.connection.kind === "closed") return;
    if (!navigator.onLine) {
      this.setConnection({ kind: "offline" });
      return;
    }
    if (event && isFinal(event.code)) {
      this.finish(closedReason(event.code));
      return;
    }
    this.failures += 1;
    // A refused upgrade (401/404) reaches the page as a bare 1006: the API can say what happened.
    if (!opened && this.failures >= PROBE_AFTER_FAILURES) void this.probeAccess();
    this.setConnection({ kind: "connecting" });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connectNow(), reconnectDelay(this.failures, MAX_BACKOFF_MS, this.random));
  }

  private connectNow(): void {
    clearTimeout(this.retryTimer);
    if (!this.loaded || this.destroyed || this.snapshot.connection.kind === "closed") return;
    if (!navigator.onLine) {
      this.setConnection({ kind: "offline" });
      return;
    }
    this.provider.connect();
  }

  /**
   * The browser went offline. Chrome keeps sockets open when the network goes away, so close
   * ours (the next attempt waits for "online") but keep talking to this device's other tabs.
   */
  private goOffline(): void {
    clearTimeout(this.retryTimer);
    if (this.destroyed || this.snapshot.connection.kind === "closed") return;
    this.provider.disconnect();
    this.provider.connectBc();
    this.setConnection({ kind: "offline" });
  }

  private finish(reason: ClosedReason): void {
    clearTimeout(this.retryTimer);
    this.provider.disconnect();
    this.setConnection({ kind: "closed", reason });
    if (reason === "forbidden" || reason === "deleted" || reason === "gone") {
      // The document is no longer this person's: do not keep a copy on the device.
      this.options.savedState.clear();
      this.persistence.clearData().catch((error: unknown) => console.warn("Tandem could not delete the local copy of a closed document", error));
    }
  }

  private async probeAccess(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      const access = await this.options.checkAccess();
      if (this.destroyed || this.snapshot.connection.kind !== "connecting") return;
      if (access === "unauthorized") this.finish("unauthorized");
      else if (access === "gone") this.finish("gone");
    } finally {
      this.probing = false;
    }
  }

  /**
   * Records what IndexedDB holds once the writes queued so far have committed: a read-only
   * transaction on the same store starts only after every read-write one created before it
   * has finished. One marker at a time; updates meanwhile get the next one. Without IndexedDB
   * the in-memory document is all there is.
   */
  private markStoredLocally(): void {
    if (this.destroyed) return;
    if (this.marker !== "idle") {
      this.marker = "again";
      return;
    }
    const db = this.persistence.db;
    const covered = stateVector(this.doc);
    let transaction: IDBTransaction;
    try {
      if (!db) throw new Error("IndexedDB is not open");
      transaction = db.transaction(["updates"], "readonly");
    } catch {
      this.storedLocally = covered;
      this.refreshPending();
      return;
    }
    this.marker = "in-flight";
    const settle = (committed: boolean) => {
      const again = this.marker === "again";
      this.marker = "idle";
      if (committed) this.storedLocally = covered;
      this.refreshPending();
      if (again) this.markStoredLocally();
    };
    transaction.oncomplete = () => settle(true);
    transaction.onabort = () => settle(false);
  }

  private refreshPending(): void {
    if (this.destroyed) return;
    const known = new Map(this.saved);
    raiseStateVector(known, this.fromServer);
    const pending = pendingChanges(this.storedLocally, known);
    if (pending !== this.snapshot.pending) this.update({ pending });
  }

  private refreshPresence(): void {
    if (this.destroyed) return;
    const presence = presentUsers(this.provider.awareness.getStates().values());
    if (!samePresence(presence, this.snapshot.presence)) this.update({ presence });
  }

  private setConnection(connection: ConnectionState): void {
    const current = this.snapshot.connection;
    const same = current.kind === "closed" ? connection.kind === "closed" && connection.reason === current.reason : connection.kind === current.kind;
    if (same) return;
    this.update({ connection });
  }

  private update(change: Partial<CollabSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    for (const listener of this.listeners) listener();
  }
}

/** Close codes after which reconnecting cannot help until something changes. */
function isFinal(code: number): boolean {
  return FINAL_CLOSE_CODES.has(code);
}

function closedReason(code: number): ClosedReason {
  switch (code) {
    case CloseCode.unauthorized:
      return "unauthorized";
    case CloseCode.forbidden:
      return "forbidden";
    case CloseCode.documentDeleted:
      return "deleted";
    case CloseCode.messageTooBig:
      return "too-big";
    case CloseCode.documentTooLarge:
      return "document-full";
    default:
      return "rejected";
  }
}

function stateVector(doc: Y.Doc): StateVector {
  return Y.decodeStateVector(Y.encodeStateVector(doc));
}
