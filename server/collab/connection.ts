/**
 * What a room needs of a client connection. The `ws` socket is one adapter to it
 * (ws-connection.ts); tests use in-process pairs.
 */
export interface RoomConnection {
  /** `onWritten`, when given, runs once the message has left this process (or could not be sent). */
  send(message: Uint8Array, onWritten?: () => void): void;
  close(code: number, reason: string): void;
}

/** Who is behind a connection, as authenticated at the upgrade. */
export interface RoomUser {
  id: string;
  name: string;
  color: string;
}
