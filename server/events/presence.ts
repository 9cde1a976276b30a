import type { DocumentPresence, PresenceUser } from "./types";

/** What the event stream and the fan-out need to know about presence. */
export interface Presence {
  join(documentId: string, user: PresenceUser): void;
  leave(documentId: string, userId: string): void;
  usersIn(documentId: string): PresenceUser[];
  snapshot(documentIds: Iterable<string>): DocumentPresence[];
}

/**
 * Who is in which document right now on this instance, from live collaboration connections. A user with two
 * tabs on one document counts once and leaves with their last connection.
 */
export class PresenceTracker implements Presence {
  private readonly documents = new Map<string, Map<string, { user: PresenceUser; connections: number }>>();

  constructor(private readonly onChange: (documentId: string) => void) {}

  join(documentId: string, user: PresenceUser): void {
    let users = this.documents.get(documentId);
    if (!users) {
      users = new Map();
      this.documents.set(documentId, users);
    }
    const entry = users.get(user.id);
    if (entry) {
      entry.connections += 1;
      return;
    }
    users.set(user.id, { user, connections: 1 });
    this.onChange(documentId);
  }

  leave(documentId: string, userId: string): void {
    const users = this.documents.get(documentId);
    const entry = users?.get(userId);
    if (!users || !entry) return;
    entry.connections -= 1;
    if (entry.connections > 0) return;
    users.delete(userId);
    if (users.size === 0) this.documents.delete(documentId);
    this.onChange(documentId);
  }

  /** Documents with anyone in them on this instance. */
  documentIds(): string[] {
    return [...this.documents.keys()];
  }

  usersIn(documentId: string): PresenceUser[] {
    return [...(this.documents.get(documentId)?.values() ?? [])].map((e) => e.user);
  }

  /** Presence of the given documents that have anyone in them. */
  snapshot(documentIds: Iterable<string>): DocumentPresence[] {
    return presenceSnapshot(this, documentIds);
  }
}

/** The presence of those of `documentIds` that have anyone in them, as `presence` reports it. */
export function presenceSnapshot(presence: Pick<Presence, "usersIn">, documentIds: Iterable<string>): DocumentPresence[] {
  const result: DocumentPresence[] = [];
  for (const documentId of documentIds) {
    const users = presence.usersIn(documentId);
    if (users.length > 0) result.push({ documentId, users });
  }
  return result;
}
