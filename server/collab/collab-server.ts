import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { nodeHeaders, requestOrigin } from "../api";
import type { SessionLookup } from "../auth";
import { canEdit, canonicalDocumentId, type DocumentsRepository } from "../documents";
import { rejectUpgrade } from "../http/upgrade";
import type { Logger } from "../logger";
import { CloseCode } from "./close-codes";
import type { RoomConnection, RoomUser } from "./connection";
import { Heartbeat } from "./heartbeat";
import type { RoomRegistry } from "./registry";

/** Path prefix of the collaboration endpoint: `/collab/<documentId>`. */
export const COLLAB_PREFIX = "/collab/";

export interface CollabServerOptions {
  sessions: SessionLookup;
  documents: DocumentsRepository;
  rooms: RoomRegistry;
  logger: Logger;
  publicUrl: string | undefined;
  trustProxy: boolean;
  /** Largest message accepted; larger ones close the connection with 1009. */
  maxPayloadBytes: number;
  heartbeatMs: number;
  /** Told of every accepted connection and its end (presence). */
  presence?: { join(documentId: string, user: RoomUser): void; leave(documentId: string, userId: string): void };
}

/**
 * Adapts a `ws` socket to what a room needs. Methods, not arrow properties: esbuild's keepNames
 * (tsx runs the server) renames each named arrow, which costs ~300 bytes per connection each.
 */
function toRoomConnection(socket: WebSocket): RoomConnection {
  return {
    send(message, onWritten) {
      if (socket.readyState === socket.OPEN) socket.send(message, { binary: true }, onWritten && (() => onWritten()));
      else onWritten?.();
    },
    close(code, reason) {
      socket.close(code, reason);
    },
  };
}

/**
 * The WebSocket side of co-editing: authenticates the upgrade (session cookie, Origin, the
 * user's role) before accepting the socket, joins it to the document's room, and keeps it
 * alive with pings; a connection that misses a pong is terminated and leaves at once.
 */
export class CollabServer {
  private readonly wss: WebSocketServer;
  private readonly heartbeat: Heartbeat;

  constructor(private readonly options: CollabServerOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, perMessageDeflate: false });
    this.heartbeat = new Heartbeat(options.heartbeatMs);
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

    const user = await this.options.sessions.userOf(req.headers.cookie);
    if (!user) return rejectUpgrade(socket, 401, "Sign in to continue.");
    const role = await this.options.documents.roleOf(documentId, user.id);
    if (!role) return rejectUpgrade(socket, 404, "Document not found.");
    if (socket.destroyed) return;

    const roomUser: RoomUser = { id: user.id, name: user.name, color: user.color };
    const admission = { readOnly: !canEdit(role), acks: url.searchParams.get("acks") === "1" };
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, documentId, roomUser, admission));
  };

  /**
   * Joins an accepted socket to its room. A method of its own, so that what each socket's
   * listeners keep alive is only what they use (not the upgrade request, its URL or session).
   */
  private accept(ws: WebSocket, documentId: string, user: RoomUser, admission: { readOnly: boolean; acks: boolean }): void {
    const connection = toRoomConnection(ws);
    const room = this.options.rooms.join(documentId, connection, user, admission);
    this.heartbeat.add(ws);
    ws.on("message", (data, isBinary) => {
      if (!isBinary) {
        ws.close(CloseCode.malformedMessage, "Text frames are not part of the protocol.");
        return;
      }
      room.receive(connection, toUint8Array(data));
    });
    this.options.presence?.join(documentId, user);
    ws.on("close", () => {
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

function toUint8Array(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
