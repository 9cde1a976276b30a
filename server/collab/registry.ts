import { canEdit, isCanonicalDocumentId, type DocumentEvent } from "../documents";
import { CloseCode } from "./close-codes";
import type { RoomConnection, RoomUser } from "./connection";
import { FlushTick } from "./flush-tick";
import { Room, type RoomOptions } from "./room";
import { DEFAULT_WRITER_OPTIONS } from "./update-writer";

/** The rooms of one server instance: at most one per document, loaded on first join, unloaded when empty. */
export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();
  /** One clock for every room's writer: their rows go to the store together. */
  private readonly flushTick: FlushTick;
  /** Every room's options: one object for all of them, not a copy per room. */
  private readonly roomOptions: RoomOptions;
  private closing = false;

  private readonly healTimer: NodeJS.Timeout | undefined;
  private readonly stopReconnectListener: (() => void) | undefined;

  constructor(private readonly options: Pick<RoomOptions, "store" | "logger" | "writer" | "onMentions" | "bus" | "limits"> & { healIntervalMs?: number }) {
    this.flushTick = new FlushTick((options.writer ?? DEFAULT_WRITER_OPTIONS).flushDelayMs);
    this.roomOptions = { ...options, flushTick: this.flushTick, onEmpty: (room) => void this.unload(room) };
    if (options.bus) {
      // Pub/sub can drop messages: rooms exchange state vectors periodically and after every
      // reconnect, and send each other what is missing.
      const heal = () => {
        for (const room of this.rooms.values()) room.publishStateVector();
      };
      this.healTimer = setInterval(heal, options.healIntervalMs ?? 30_000);
      this.healTimer.unref();
      this.stopReconnectListener = options.bus.onReconnect(heal);
    }
  }

  get size(): number {
    return this.rooms.size;
  }

  get(documentId: string): Room | undefined {
    return this.rooms.get(documentId);
  }

  /**
   * Joins a connection to the document's room, loading the room if needed.
   * @throws Error when `documentId` is not in its canonical spelling: the edges canonicalise ids,
   * and a second spelling would be a second room that misses access changes and compacts from
   * its own copy.
   */
  join(documentId: string, connection: RoomConnection, user: RoomUser, options: { readOnly: boolean; acks?: boolean }): Room {
    if (!isCanonicalDocumentId(documentId)) throw new Error(`not a canonical document id: ${JSON.stringify(documentId)}`);
    let room = this.rooms.get(documentId);
    if (!room) {
      room = new Room(documentId, this.roomOptions);
      this.rooms.set(documentId, room);
      const loading = room;
      loading.load().catch(() => {
        // Logged by the room; forget it so the next join tries again.
        if (this.rooms.get(documentId) === loading) this.rooms.delete(documentId);
      });
    }
    room.join(connection, user, options);
    return room;
  }

  /** Applies a change of access to the loaded room, if any: deletion and revocation disconnect, role changes apply at once. */
  applyDocumentEvent(event: DocumentEvent): void {
    const room = this.rooms.get(event.documentId);
    if (!room) return;
    switch (event.type) {
      case "deleted":
        room.disconnect(CloseCode.documentDeleted, "The document was deleted.");
        return;
      case "member-removed":
        room.disconnect(CloseCode.forbidden, "Your access to this document was removed.", event.userId);
        return;
      case "member-role-changed":
        room.setReadOnly(event.userId, !canEdit(event.role));
        return;
      case "renamed":
      case "member-added":
        return;
      default: {
        const unknown: never = event;
        throw new Error(`unhandled document event ${JSON.stringify(unknown)}`);
      }
    }
  }

  private async unload(room: Room): Promise<void> {
    if (this.closing) return;
    try {
      const closed = await room.unload();
      if (closed && this.rooms.get(room.documentId) === room) this.rooms.delete(room.documentId);
    } catch (error) {
      this.options.logger.error({ err: error, documentId: room.documentId }, "unloading the room failed; it stays loaded");
    }
  }

  /** Shutdown: every room closes its connections (1012) and stores what it has, within `deadlineMs`. */
  async close(deadlineMs = 10_000): Promise<void> {
    this.closing = true;
    clearInterval(this.healTimer);
    this.stopReconnectListener?.();
    const rooms = [...this.rooms.values()];
    this.rooms.clear();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), deadlineMs);
    });
    const result = await Promise.race([Promise.all(rooms.map((room) => room.shutdown())), deadline]);
    clearTimeout(timer);
    if (result === "timeout") {
      const unsaved = rooms.filter((r) => r.unsavedUpdates > 0).map((r) => ({ documentId: r.documentId, updates: r.unsavedUpdates }));
      this.options.logger.error({ unsaved }, "shutdown deadline passed with updates not stored");
    }
  }
}
