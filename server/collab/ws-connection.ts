import type { WebSocket } from "ws";
import type { SessionBound } from "../auth";
import { CloseCode } from "./close-codes";
import type { RoomConnection } from "./connection";
import type { GatedSocket } from "./inbound-gate";

/** The room a connection is in, as the adapter sees it: it hands messages in, and leaves. */
export interface ConnectionOwner {
  receive(connection: RoomConnection, data: Uint8Array): void;
  leave(connection: RoomConnection): void;
}

/**
 * A `ws` socket as a room and the inbound gate see it. Closing it makes the room forget it
 * first (its cursor disappears and nothing more is sent), whoever closes. A receiver that does
 * not read what it is sent is closed with `tooSlow` once its unsent data passes
 * `sendBufferBytes`: it reconnects and syncs what it missed, instead of the server holding an
 * ever longer queue for it. Methods, not arrow properties: esbuild's keepNames (tsx runs the
 * server) renames each named arrow, which costs ~300 bytes per connection each.
 */
export class WsConnection implements RoomConnection, GatedSocket, SessionBound {
  /** Set once the room is joined. */
  room: ConnectionOwner | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly sendBufferBytes: number,
  ) {}

  send(message: Uint8Array, onWritten?: () => void): void {
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN) {
      onWritten?.();
      return;
    }
    ws.send(message, { binary: true }, onWritten && (() => onWritten()));
    if (ws.bufferedAmount > this.sendBufferBytes) this.close(CloseCode.tooSlow, "Not reading fast enough: reconnect to catch up.");
  }

  close(code: number, reason: string): void {
    this.room?.leave(this);
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN && ws.readyState !== ws.CONNECTING) return;
    ws.close(code, reason);
    // A throttled socket is paused: it must read again to see the client's closing frame, or the
    // handshake would wait for ws's 30 s timeout. What it reads now goes nowhere.
    if (ws.isPaused) ws.resume();
  }

  /** A message that passed the inbound gate: to the room. */
  deliver(data: Uint8Array): void {
    this.room?.receive(this, data);
  }

  sessionEnded(): void {
    this.close(CloseCode.unauthorized, "Your session ended. Sign in again.");
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }
}
