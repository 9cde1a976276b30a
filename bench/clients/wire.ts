/**
 * The y-websocket wire protocol as the bench's lean clients speak it, in two framings:
 * - `plain`: y-websocket (Tandem, @y/websocket-server): `varuint type` then the payload;
 * - `hocuspocus`: every message starts with `varstring documentName`, then the same layout,
 *   plus Hocuspocus's own types (auth, sync status, sync reply).
 * Pure functions over lib0 encoders: no sockets here.
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";

export type Framing = { kind: "plain" } | { kind: "hocuspocus"; documentName: string };

export const MessageType = {
  sync: 0,
  awareness: 1,
  /** Hocuspocus only. */
  auth: 2,
  queryAwareness: 3,
  /** Tandem (plain framing, `?acks=1`): `saved`; Hocuspocus: a sync reply. */
  savedOrSyncReply: 4,
  /** Hocuspocus only: the server's acknowledgement of an update. */
  syncStatus: 8,
} as const;

export const SyncType = { step1: 0, step2: 1, update: 2 } as const;

/** Hocuspocus auth sub-types. */
const AuthType = { token: 0, permissionDenied: 1, authenticated: 2 } as const;

function start(framing: Framing): encoding.Encoder {
  const encoder = encoding.createEncoder();
  if (framing.kind === "hocuspocus") encoding.writeVarString(encoder, framing.documentName);
  return encoder;
}

export function encodeSync(framing: Framing, type: number, payload: Uint8Array): Uint8Array {
  const encoder = start(framing);
  encoding.writeVarUint(encoder, MessageType.sync);
  encoding.writeVarUint(encoder, type);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

export function encodeAwareness(framing: Framing, update: Uint8Array): Uint8Array {
  const encoder = start(framing);
  encoding.writeVarUint(encoder, MessageType.awareness);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** Hocuspocus's first message on a document: the (empty) token. */
export function encodeAuth(framing: Framing, token: string): Uint8Array {
  const encoder = start(framing);
  encoding.writeVarUint(encoder, MessageType.auth);
  encoding.writeVarUint(encoder, AuthType.token);
  encoding.writeVarString(encoder, token);
  return encoding.toUint8Array(encoder);
}

export type ServerMessage =
  | { kind: "sync-step-1"; stateVector: Uint8Array }
  | { kind: "sync-step-2"; update: Uint8Array }
  | { kind: "update"; update: Uint8Array }
  | { kind: "saved"; stateVector: Uint8Array }
  | { kind: "auth"; ok: boolean; detail: string }
  | { kind: "ignored"; type: number };

/**
 * Decodes one server message. Awareness, sync status and anything the bench does not act on
 * come back as `ignored`.
 * @throws Error on a truncated message or an unknown sync sub-type.
 */
export function decodeServerMessage(framing: Framing, data: Uint8Array): ServerMessage {
  const decoder = decoding.createDecoder(data);
  if (framing.kind === "hocuspocus") decoding.readVarString(decoder);
  const type = decoding.readVarUint(decoder);
  if (type === MessageType.sync || (framing.kind === "hocuspocus" && type === MessageType.savedOrSyncReply)) {
    const sub = decoding.readVarUint(decoder);
    const payload = decoding.readVarUint8Array(decoder);
    switch (sub) {
      case SyncType.step1:
        return { kind: "sync-step-1", stateVector: payload };
      case SyncType.step2:
        return { kind: "sync-step-2", update: payload };
      case SyncType.update:
        return { kind: "update", update: payload };
      default:
        throw new Error(`unknown sync message type ${sub}`);
    }
  }
  if (framing.kind === "plain" && type === MessageType.savedOrSyncReply) return { kind: "saved", stateVector: decoding.readVarUint8Array(decoder) };
  if (framing.kind === "hocuspocus" && type === MessageType.auth) {
    const sub = decoding.readVarUint(decoder);
    const detail = decoding.hasContent(decoder) ? decoding.readVarString(decoder) : "";
    return { kind: "auth", ok: sub === AuthType.authenticated, detail };
  }
  return { kind: "ignored", type };
}
