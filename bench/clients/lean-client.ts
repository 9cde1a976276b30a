import WebSocket from "ws";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { decodeServerMessage, encodeAuth, encodeAwareness, encodeSync, SyncType, type Framing } from "./wire";

/** Origin of transactions that apply what the server sent: never sent back. */
export const REMOTE = Symbol("remote");

/** Where and how a simulated user connects to one document. */
export interface Endpoint {
  url: string;
  /** Upgrade request headers (Tandem: session cookie and Origin). */
  headers: Record<string, string>;
  framing: Framing;
}

export interface LeanClientOptions {
  /** Announce an awareness state and renew it every 15 s, as y-websocket's provider does. */
  awareness: boolean;
  /** Shown in the awareness state. */
  name: string;
}

export class ConnectError extends Error {
  override name = "ConnectError";
}

/**
 * One simulated user: one `Y.Doc`, one WebSocket, no provider. It sends sync step 1 on open,
 * answers the server's step 1, applies what the server sends, and sends every local change as an
 * update message. It never reconnects: a closed connection stays closed (and is counted).
 */
export class LeanClient {
  readonly doc = new Y.Doc();
  readonly awareness: awarenessProtocol.Awareness | undefined;
  private ws: WebSocket | undefined;
  private syncedResolve: (() => void) | undefined;
  private syncedReject: ((error: Error) => void) | undefined;
  synced = false;
  /** When (performance.now()) the socket opened and the initial sync arrived, to break a connect down. */
  readonly times: { opened?: number; syncArrived?: number } = {};
  /** Set when the socket closed (by either side). */
  closed: { code: number; reason: string } | undefined;
  /** Called after every update from the server is applied. */
  onRemoteUpdate: (() => void) | undefined;
  /** Tandem's `saved` message (`?acks=1`): the state vector the server has stored. */
  onSaved: ((stateVector: Map<number, number>) => void) | undefined;

  constructor(
    readonly endpoint: Endpoint,
    options: LeanClientOptions,
  ) {
    this.doc.on("update", this.onLocalUpdate);
    if (options.awareness) {
      this.awareness = new awarenessProtocol.Awareness(this.doc);
      this.awareness.on("update", this.onAwarenessUpdate);
      this.awareness.setLocalState({ user: { name: options.name } });
    }
  }

  /**
   * Opens the socket and resolves once the initial sync is done (the answer to our step 1).
   * @throws ConnectError when the upgrade is refused, the socket closes first, or `timeoutMs` passes.
   */
  connect(timeoutMs = 30_000): Promise<void> {
    const { url, headers, framing } = this.endpoint;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.syncedReject?.(new ConnectError(`no initial sync from ${url} within ${timeoutMs} ms`));
        this.close();
      }, timeoutMs);
      this.syncedResolve = () => {
        clearTimeout(timer);
        resolve();
      };
      this.syncedReject = (error) => {
        clearTimeout(timer);
        reject(error);
      };
      const ws = new WebSocket(url, { headers, perMessageDeflate: false });
      ws.binaryType = "nodebuffer";
      this.ws = ws;
      ws.on("unexpected-response", (_req, res) => {
        this.syncedReject?.(new ConnectError(`upgrade to ${url} refused: HTTP ${res.statusCode}`));
        ws.terminate();
      });
      ws.on("open", () => {
        this.times.opened = performance.now();
        if (framing.kind === "hocuspocus") ws.send(encodeAuth(framing, ""));
        ws.send(encodeSync(framing, SyncType.step1, Y.encodeStateVector(this.doc)));
        if (this.awareness) ws.send(encodeAwareness(framing, awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.doc.clientID])));
      });
      ws.on("message", (data: Buffer) => this.receive(data));
      ws.on("error", (error) => this.syncedReject?.(new ConnectError(`${url}: ${error.message}`)));
      ws.on("close", (code, reason) => {
        this.closed = { code, reason: reason.toString() };
        this.syncedReject?.(new ConnectError(`${url} closed before the initial sync: ${code} ${reason.toString()}`));
        this.stopAwareness();
      });
    }).finally(() => {
      this.syncedResolve = undefined;
      this.syncedReject = undefined;
    });
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Sends an already encoded message as is (e.g. pre-encoded trace updates). */
  sendRaw(message: Uint8Array): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(message);
  }

  /** Bytes queued in the socket but not yet written to the kernel. */
  get bufferedAmount(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  /** Closes the socket and stops the awareness timer. Safe to call twice. */
  close(): void {
    this.stopAwareness();
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED && ws.readyState !== WebSocket.CLOSING) ws.close(1000);
  }

  /** Closes without the closing handshake (for mass teardown). */
  terminate(): void {
    this.stopAwareness();
    this.ws?.terminate();
  }

  private stopAwareness(): void {
    if (!this.awareness) return;
    this.awareness.off("update", this.onAwarenessUpdate);
    this.awareness.destroy();
  }

  private receive(data: Buffer): void {
    const { framing } = this.endpoint;
    let message: ReturnType<typeof decodeServerMessage>;
    try {
      message = decodeServerMessage(framing, data);
    } catch (error) {
      // A server that breaks the protocol loses this client: counted as a disconnection.
      this.syncedReject?.(new ConnectError(`malformed message from the server: ${error instanceof Error ? error.message : String(error)}`));
      this.ws?.terminate();
      return;
    }
    switch (message.kind) {
      case "sync-step-1":
        this.sendRaw(encodeSync(framing, SyncType.step2, Y.encodeStateAsUpdate(this.doc, message.stateVector)));
        return;
      case "sync-step-2":
        this.times.syncArrived ??= performance.now();
        Y.applyUpdate(this.doc, message.update, REMOTE);
        this.synced = true;
        this.syncedResolve?.();
        this.onRemoteUpdate?.();
        return;
      case "update":
        Y.applyUpdate(this.doc, message.update, REMOTE);
        this.onRemoteUpdate?.();
        return;
      case "saved":
        this.onSaved?.(Y.decodeStateVector(message.stateVector));
        return;
      case "auth":
        if (!message.ok) this.syncedReject?.(new ConnectError(`authentication refused: ${message.detail}`));
        return;
      case "ignored":
        return;
      default: {
        const unknown: never = message;
        throw new Error(`unhandled message ${JSON.stringify(unknown)}`);
      }
    }
  }

  private readonly onLocalUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === REMOTE) return;
    this.sendRaw(encodeSync(this.endpoint.framing, SyncType.update, update));
  };

  private readonly onAwarenessUpdate = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }): void => {
    if (!this.awareness || !this.isOpen) return;
    const changed = [...added, ...updated, ...removed];
    this.sendRaw(encodeAwareness(this.endpoint.framing, awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed)));
  };
}
