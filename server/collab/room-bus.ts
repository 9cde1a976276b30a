/**
 * Messages between instances about one document, on the bus channel `doc:<documentId>`.
 * Pure encoding: `varuint type` then `varbytes payload`.
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";

export const RoomBusType = { update: 0, awareness: 1, stateVector: 2 } as const;

export type RoomBusMessage =
  /** A document update one instance accepted from its clients (or a healing diff). */
  | { kind: "update"; update: Uint8Array }
  /** An awareness update from one instance's clients. */
  | { kind: "awareness"; update: Uint8Array }
  /** "This is what I have": peers answer with an update holding what the sender lacks. */
  | { kind: "state-vector"; stateVector: Uint8Array };

export const roomChannel = (documentId: string) => `doc:${documentId}`;

export function encodeRoomBusMessage(message: RoomBusMessage): Uint8Array {
  const encoder = encoding.createEncoder();
  switch (message.kind) {
    case "update":
      encoding.writeVarUint(encoder, RoomBusType.update);
      encoding.writeVarUint8Array(encoder, message.update);
      break;
    case "awareness":
      encoding.writeVarUint(encoder, RoomBusType.awareness);
      encoding.writeVarUint8Array(encoder, message.update);
      break;
    case "state-vector":
      encoding.writeVarUint(encoder, RoomBusType.stateVector);
      encoding.writeVarUint8Array(encoder, message.stateVector);
      break;
    default: {
      const unknown: never = message;
      throw new Error(`unknown room bus message ${JSON.stringify(unknown)}`);
    }
  }
  return encoding.toUint8Array(encoder);
}

/** @throws Error when malformed (a peer on another version, or corruption). */
export function decodeRoomBusMessage(data: Uint8Array): RoomBusMessage {
  const decoder = decoding.createDecoder(data);
  const type = decoding.readVarUint(decoder);
  const payload = decoding.readVarUint8Array(decoder);
  switch (type) {
    case RoomBusType.update:
      return { kind: "update", update: payload };
    case RoomBusType.awareness:
      return { kind: "awareness", update: payload };
    case RoomBusType.stateVector:
      return { kind: "state-vector", stateVector: payload };
    default:
      throw new Error(`unknown room bus message type ${type}`);
  }
}
