import type { DocumentEvent, DocumentsRepository } from "../documents";
import type { Logger } from "../logger";
import type { EventHub } from "./hub";
import type { Presence } from "./presence";

/** How long a document's member list is reused for presence events; member changes drop it at once. */
const MEMBERS_TTL_MS = 30_000;
/** Documents whose member lists are kept at most (the oldest go first). */
const MEMBERS_CACHE_SIZE = 10_000;

/** Turns presence and document changes into stream events for the users they concern. */
export class EventFanout {
  private stopped = false;
  /**
   * Member lists by document: every join and leave tells the members, and reading the list
   * each time would cost a query per connection. Member events (from any instance) invalidate.
   */
  private readonly members = new Map<string, { ids: Promise<string[]>; expires: number }>();

  constructor(
    private readonly deps: { hub: EventHub; presence: Presence; documents: DocumentsRepository; logger: Logger },
  ) {}

  /** Someone entered or left the document: every member with an open stream hears of it. */
  /** Shutdown: streams are closed, nothing more to tell (and the database is going away). */
  stop(): void {
    this.stopped = true;
  }

  readonly presenceChanged = (documentId: string): void => {
    if (this.stopped) return;
    // Who is there is read when the members are known, so a quick join-then-leave never ends on a stale list.
    this.toMembers(documentId, (userId) =>
      this.deps.hub.publish(userId, { event: "presence", data: { snapshot: false, documents: [{ documentId, users: this.deps.presence.usersIn(documentId) }] } }),
    );
  };

  readonly documentChanged = (event: DocumentEvent): void => {
    if (this.stopped) return;
    const { hub } = this.deps;
    if (event.type === "member-added" || event.type === "member-removed" || event.type === "deleted") this.members.delete(event.documentId);
    switch (event.type) {
      case "renamed":
        this.toMembers(event.documentId, (userId) => hub.publish(userId, { event: "document", data: { type: "renamed", documentId: event.documentId, title: event.title } }));
        return;
      case "deleted":
        for (const userId of event.memberIds) hub.publish(userId, { event: "document", data: { type: "deleted", documentId: event.documentId } });
        return;
      case "member-added":
        hub.publish(event.userId, { event: "document", data: { type: "access-granted", documentId: event.documentId, role: event.role } });
        return;
      case "member-role-changed":
        hub.publish(event.userId, { event: "document", data: { type: "role-changed", documentId: event.documentId, role: event.role } });
        return;
      case "member-removed":
        hub.publish(event.userId, { event: "document", data: { type: "access-revoked", documentId: event.documentId } });
        return;
      default: {
        const unknown: never = event;
        throw new Error(`unhandled document event ${JSON.stringify(unknown)}`);
      }
    }
  };

  private toMembers(documentId: string, send: (userId: string) => void): void {
    // Nobody listens on this instance: nothing to tell, nothing to read.
    if (this.deps.hub.isEmpty) return;
    this.memberIds(documentId).then(
      (ids) => {
        for (const id of ids) if (this.deps.hub.hasSubscribers(id)) send(id);
      },
      (error: unknown) => this.deps.logger.error({ err: error, documentId }, "finding the members to notify failed"),
    );
  }

  private memberIds(documentId: string): Promise<string[]> {
    const now = Date.now();
    const cached = this.members.get(documentId);
    if (cached && cached.expires > now) return cached.ids;
    const ids = this.deps.documents.memberIds(documentId);
    this.members.delete(documentId);
    this.members.set(documentId, { ids, expires: now + MEMBERS_TTL_MS });
    // A failed read is not kept.
    ids.catch(() => {
      if (this.members.get(documentId)?.ids === ids) this.members.delete(documentId);
    });
    if (this.members.size > MEMBERS_CACHE_SIZE) {
      const oldest = this.members.keys().next().value;
      if (oldest !== undefined) this.members.delete(oldest);
    }
    return ids;
  }
}
