/**
 * The y-websocket wire protocol, as pure functions over lib0 encoders: no sockets, no I/O.
 * Byte layout in docs/PROTOCOL.md.
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";

/**
 * First varuint of every message. `saved` is Tandem's extension, sent only to clients that
 * connect with `?acks=1`: the state vector of everything stored durably.
 */
export const MessageType = { sync: 0, awareness: 1, auth: 2, queryAwareness: 3, saved: 4 } as const;
/** Second varuint of a sync message. */
export const SyncType = { step1: 0, step2: 1, update: 2 } as const;

export type ClientMessage =
  | { kind: "sync-step-1"; stateVector: Uint8Array }
  | { kind: "sync-step-2"; update: Uint8Array }
  | { kind: "update"; update: Uint8Array }
  | { kind: "awareness"; update: Uint8Array }
  | { kind: "query-awareness" };

/** A message that is not valid y-websocket protocol. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
}

/**
 * Decodes one WebSocket message from a client.
 * @throws ProtocolError for an unknown type, a truncated message or trailing bytes.
 */
export function decodeMessage(data: Uint8Array): ClientMessage {
  const decoder = decoding.createDecoder(data);
  let message: ClientMessage;
  try {
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case MessageType.sync: {
        const syncType = decoding.readVarUint(decoder);
        const payload = decoding.readVarUint8Array(decoder);
        if (syncType === SyncType.step1) message = { kind: "sync-step-1", stateVector: payload };
        else if (syncType === SyncType.step2) message = { kind: "sync-step-2", update: payload };
        else if (syncType === SyncType.update) message = { kind: "update", update: payload };
        else throw new ProtocolError(`unknown sync message type ${syncType}`);
        break;
      }
      case MessageType.awareness:
        message = { kind: "awareness", update: decoding.readVarUint8Array(decoder) };
        break;
      case MessageType.queryAwareness:
        message = { kind: "query-awareness" };
        break;
      default:
        throw new ProtocolError(`unknown message type ${type}`);
    }
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError(`truncated message (${data.byteLength} bytes)`);
  }
  if (decoding.hasContent(decoder)) throw new ProtocolError(`${data.byteLength - decoder.pos} unexpected bytes after a ${message.kind} message`);
  return message;
}

function encodeSync(syncType: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.sync);
  encoding.writeVarUint(encoder, syncType);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

/** "Here is my state vector; send me what I lack." */
export const encodeSyncStep1 = (stateVector: Uint8Array) => encodeSync(SyncType.step1, stateVector);
/** The answer to step 1: an update with everything the peer lacks. */
export const encodeSyncStep2 = (update: Uint8Array) => encodeSync(SyncType.step2, update);
/** A live document update. */
export const encodeUpdate = (update: Uint8Array) => encodeSync(SyncType.update, update);

export function encodeAwareness(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.awareness);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** Tandem's extension: "everything up to this state vector is stored durably". */
export function encodeSaved(stateVector: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.saved);
  encoding.writeVarUint8Array(encoder, stateVector);
  return encoding.toUint8Array(encoder);
}

export function encodeQueryAwareness(): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.queryAwareness);
  return encoding.toUint8Array(encoder);
}

/** One client's entry in an awareness update. `state` null means the client left. */
export interface AwarenessEntry {
  clientId: number;
  clock: number;
  state: Record<string, unknown> | null;
}

/**
 * Decodes an awareness update (y-protocols' layout) into entries.
 * @throws ProtocolError when malformed, or when a state is not a JSON object or null.
 */
export function decodeAwarenessUpdate(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const entries: AwarenessEntry[] = [];
  try {
    const count = decoding.readVarUint(decoder);
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const state: unknown = JSON.parse(decoding.readVarString(decoder));
      if (state !== null && (typeof state !== "object" || Array.isArray(state))) throw new ProtocolError("awareness state must be an object or null");
      entries.push({ clientId, clock, state: state as Record<string, unknown> | null });
    }
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError("malformed awareness update");
  }
  if (decoding.hasContent(decoder)) throw new ProtocolError("unexpected bytes after an awareness update");
  return entries;
}

export function encodeAwarenessUpdate(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, JSON.stringify(entry.state));
  }
  return encoding.toUint8Array(encoder);
}

/**
 * Checks that `update` is a whole Yjs update before anything applies it. Yjs integrates an
 * update's structs before it reads the delete set behind them, so applying one whose tail is
 * cut off inserts its content and only then throws: validated first, a truncated or corrupt
 * update changes nothing. The decode is Yjs's own (what it accepts here, it applies whole).
 * @throws ProtocolError when the update does not decode.
 */
export function assertWholeUpdate(update: Uint8Array): void {
  try {
    Y.decodeUpdate(update);
  } catch {
    throw new ProtocolError(`invalid or truncated Yjs update (${update.byteLength} bytes)`);
  }
}
