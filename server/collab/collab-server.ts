import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { nodeHeaders, requestOrigin } from "../api";
import type { LiveSessions, OpenedSession, SessionLookup } from "../auth";
import type { Limits } from "../config";
import { canEdit, canonicalDocumentId, type DocumentsRepository } from "../documents";
import { requestAddress } from "../http/client-address";
import { rejectUpgrade } from "../http/upgrade";
import { TrafficLimits, type ConnectionLimits } from "../limits";
import type { Logger } from "../logger";
import { clipCharacters, NAME_MAX } from "../text/characters";
import { CloseCode } from "./close-codes";
import type { RoomUser } from "./connection";
import { Heartbeat } from "./heartbeat";
import { InboundGate } from "./inbound-gate";
import { decodeAwarenessUpdate, decodeMessage } from "./protocol";
import type { RoomRegistry } from "./registry";
import { WsConnection } from "./ws-connection";

/** Path prefix of the collaboration endpoint: `/collab/<documentId>`. */
export const COLLAB_PREFIX = "/collab/";

export interface CollabServerOptions {
  sessions: SessionLookup;
  /** Ends connections whose session ended (sign-out, revocation, expiry). */
  liveSessions: LiveSessions;
  documents: DocumentsRepository;
  rooms: RoomRegistry;
  logger: Logger;
  publicUrl: string | undefined;
  trustProxy: boolean;
  /** Largest message accepted; larger ones close the connection with 1009. */
  maxPayloadBytes: number;
  heartbeatMs: number;
  limits: Pick<Limits, "connection" | "user" | "address" | "awarenessPerSecond" | "queueMessages" | "queueBytes" | "throttleCloseMs" | "sendBufferBytes">;
  /** Open WebSockets and event streams per user and address (shared with the event streams). */
  connections: ConnectionLimits;
  /** Told of every accepted connection and its end (presence). */
  presence?: { join(documentId: string, user: RoomUser): void; leave(documentId: string, userId: string): void };
}

/** What the upgrade decided about a connection, for its admission. */
interface Admission {
  readOnly: boolean;
  acks: boolean;
  session: OpenedSession;
  address: string;
}

/**
 * The WebSocket side of co-editing: authenticates the upgrade (session cookie, Origin, the
 * user's role, the connection limits) before accepting the socket, joins it to the document's
 * room behind an inbound gate (traffic limits), ends it when its session ends, and keeps it
 * alive with pings; a connection that misses a pong is terminated and leaves at once.
 */
export class CollabServer {
  private readonly wss: WebSocketServer;
  private readonly heartbeat: Heartbeat;
  private readonly traffic: TrafficLimits;

  constructor(private readonly options: CollabServerOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, perMessageDeflate: false });
    this.heartbeat = new Heartbeat(options.heartbeatMs);
    this.traffic = new TrafficLimits(options.limits);
  }

  /** Number of open collaboration sockets. */
  get connectionCount(): number {
    return this.wss.clients.size;
  }

  /** The `upgrade` route for `/collab/`. */
  readonly handleUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> => {
    const documentId = canonicalDocumentId(url.pathname.slice(COLLAB_PREFIX.length));
    if (!documentId) return rejectUpgrade(socket, 400, "Expected /collab/<document id>.");

    const encrypted = "encrypted" in req.socket && Boolean(req.socket.encrypted);
    const expected = requestOrigin(nodeHeaders(req.headers), { publicUrl: this.options.publicUrl, trustProxy: this.options.trustProxy, encrypted });
    if (req.headers.origin !== expected) return rejectUpgrade(socket, 403, `Cross-origin WebSocket refused: Origin must be ${expected ?? "the app's origin"}.`);

    const session = await this.options.sessions.sessionOf(req.headers.cookie);
    if (!session) return rejectUpgrade(socket, 401, "Sign in to continue.");
    const { user } = session;
    const role = await this.options.documents.roleOf(documentId, user.id);
    if (!role) return rejectUpgrade(socket, 404, "Document not found.");
    if (socket.destroyed) return;

    const address = requestAddress(req, this.options.trustProxy);
    const acquired = this.options.connections.acquire(user.id, address);
    if (!acquired.ok) return rejectUpgrade(socket, 429, acquired.message);
    // The TCP socket outlives the upgrade and the WebSocket on it: its end frees the slot either
    // way. Bound, not an arrow: an arrow here would keep this upgrade's whole scope (request,
    // session, URL) alive for as long as the connection lasts.
    socket.once("close", acquired.slot.release.bind(acquired.slot));

    // Every cursor this connection sends carries the name: one from before names were limited
    // would multiply every awareness message by its length for every receiver.
    const roomUser: RoomUser = { id: user.id, name: clipCharacters(user.name, NAME_MAX), color: user.color };
    const admission: Admission = { readOnly: !canEdit(role), acks: url.searchParams.get("acks") === "1", session, address };
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, documentId, roomUser, admission));
  };

  /**
   * Joins an accepted socket to its room. A method of its own, so that what each socket's
   * listeners keep alive is only what they use (not the upgrade request, its URL or headers).
   */
  private accept(ws: WebSocket, documentId: string, user: RoomUser, admission: Admission): void {
    const { limits } = this.options;
    const connection = new WsConnection(ws, limits.sendBufferBytes);
    const room = this.options.rooms.join(documentId, connection, user, admission);
    connection.room = room;
    const gate = new InboundGate(this.traffic.forConnection(user.id, admission.address), connection, limits, checkAwareness);
    const liveSessions = this.options.liveSessions;
    const session = liveSessions.track(admission.session, connection);
    this.heartbeat.add(ws);
    ws.on("message", (data, isBinary) => {
      if (!isBinary) {
        connection.close(CloseCode.malformedMessage, "Text frames are not part of the protocol.");
        return;
      }
      gate.receive(toUint8Array(data));
    });
    this.options.presence?.join(documentId, user);
    ws.on("close", () => {
      gate.destroy();
      liveSessions.release(session, connection);
      room.leave(connection);
      this.options.presence?.leave(documentId, user.id);
    });
    ws.on("error", (error) => this.options.logger.debug({ err: error, documentId, userId: user.id }, "collab socket error"));
  }

  /** Stops the heartbeat and closes the WebSocket server (rooms close their own sockets). */
  close(): void {
    this.heartbeat.stop();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}

/** What the room would check of an awareness message: the envelope, and every state in it. */
function checkAwareness(data: Uint8Array): void {
  const message = decodeMessage(data);
  if (message.kind === "awareness") decodeAwarenessUpdate(message.update);
}

function toUint8Array(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
