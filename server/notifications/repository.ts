import type { PrismaClient } from "../db/generated/client";
import type { NotificationView } from "../events/types";
import type { MentionsFound } from "../mentions/detect";

const view = {
  id: true,
  mentionId: true,
  excerpt: true,
  createdAt: true,
  readAt: true,
  document: { select: { id: true, title: true } },
  author: { select: { id: true, name: true, color: true } },
} as const;

type Row = {
  id: bigint;
  mentionId: string;
  excerpt: string;
  createdAt: Date;
  readAt: Date | null;
  document: { id: string; title: string };
  author: { id: string; name: string; color: string };
};

function toView(row: Row): NotificationView {
  return {
    id: row.id.toString(),
    mentionId: row.mentionId,
    document: row.document,
    author: row.author,
    excerpt: row.excerpt,
    createdAt: row.createdAt.toISOString(),
    readAt: row.readAt?.toISOString() ?? null,
  };
}

/** The largest notification id (PostgreSQL `bigint`); a larger one names no notification. */
export const MAX_NOTIFICATION_ID = 2n ** 63n - 1n;

/** A notification just created, and who it is for. */
export interface CreatedNotification {
  userId: string;
  notification: NotificationView;
}

/** One row of the batch INSERT: a mention of someone other than its author. */
interface CandidateRow {
  userId: string;
  documentId: string;
  authorId: string;
  mentionId: string;
  excerpt: string;
}

/** What the batch INSERT returns per created notification. */
interface InsertedRow {
  id: bigint;
  userId: string;
  documentId: string;
  authorId: string;
  mentionId: string;
  excerpt: string;
  createdAt: Date;
  readAt: Date | null;
  documentTitle: string;
  authorName: string;
  authorColor: string;
}

/** The batch's mentions of someone other than the author, each mention id once (the first wins). */
function candidateRows(batch: readonly MentionsFound[]): CandidateRow[] {
  const rows = new Map<string, CandidateRow>();
  for (const { documentId, authorId, mentions } of batch) {
    for (const { userId, mentionId, excerpt } of mentions) {
      if (userId !== authorId && !rows.has(mentionId)) rows.set(mentionId, { userId, documentId, authorId, mentionId, excerpt });
    }
  }
  return [...rows.values()];
}

/** Namespace of the per-recipient advisory locks that keep a user's notification ids in commit order. */
const RECIPIENT_LOCK_NAMESPACE = 0x6e6f7466; // "notf"

/** @mention notifications. */
export class NotificationsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Creates one notification per new mention of a member other than its author, for a batch
   * of updates' mentions: ONE transaction, whose one INSERT covers the whole batch. Mentions of
   * non-members, of the author, and mention ids already notified (or repeated in the batch)
   * are skipped.
   * @returns the created notifications with their recipients, in id order.
   */
  async createForMentions(batch: readonly MentionsFound[]): Promise<CreatedNotification[]> {
    const rows = candidateRows(batch);
    if (rows.length === 0) return [];
    const recipients = [...new Set(rows.map((row) => row.userId))];
    const [, inserted] = await this.prisma.$transaction([
      // A user's ids must become visible in increasing order, or a stream resuming after id N
      // could miss a smaller id committed later: one writer per recipient at a time. The locks
      // of all the batch's recipients are taken in one fixed order (by hash), so that batches
      // of two instances wait for each other instead of deadlocking.
      this.prisma.$executeRaw`
        SELECT pg_advisory_xact_lock(${RECIPIENT_LOCK_NAMESPACE}::int, key)
        FROM (SELECT DISTINCT hashtext(recipient) AS key FROM unnest(${recipients}::text[]) AS recipient ORDER BY key) AS ordered`,
      this.prisma.$queryRaw<InsertedRow[]>`
        WITH inserted AS (
          INSERT INTO notification ("userId", "documentId", "authorId", "mentionId", excerpt)
          SELECT m."userId", m."documentId", m."authorId", m."mentionId", m.excerpt
          FROM unnest(${rows.map((r) => r.userId)}::text[], ${rows.map((r) => r.documentId)}::uuid[], ${rows.map((r) => r.authorId)}::text[],
                      ${rows.map((r) => r.mentionId)}::text[], ${rows.map((r) => r.excerpt)}::text[])
            WITH ORDINALITY AS m("userId", "documentId", "authorId", "mentionId", excerpt, position)
          JOIN document_member member ON member."documentId" = m."documentId" AND member."userId" = m."userId"
          ORDER BY m.position
          ON CONFLICT ("mentionId") DO NOTHING
          RETURNING id, "userId", "documentId", "authorId", "mentionId", excerpt, "createdAt", "readAt"
        )
        SELECT inserted.*, document.title AS "documentTitle", author.name AS "authorName", author.color AS "authorColor"
        FROM inserted
        JOIN document ON document.id = inserted."documentId"
        JOIN "user" author ON author.id = inserted."authorId"
        ORDER BY inserted.id`,
    ]);
    return inserted.map((row) => ({
      userId: row.userId,
      notification: toView({
        ...row,
        document: { id: row.documentId, title: row.documentTitle },
        author: { id: row.authorId, name: row.authorName, color: row.authorColor },
      }),
    }));
  }

  /** Newest first, `limit` at a time; `cursor` is the last id of the previous page. */
  async list(userId: string, options: { cursor?: bigint; limit: number }): Promise<{ notifications: NotificationView[]; unreadCount: number; nextCursor: string | null }> {
    const [rows, unreadCount] = await Promise.all([
      this.prisma.notification.findMany({
        where: { userId, ...(options.cursor !== undefined ? { id: { lt: options.cursor } } : {}) },
        orderBy: { id: "desc" },
        take: options.limit + 1,
        select: view,
      }),
      this.unreadCount(userId),
    ]);
    const page = rows.slice(0, options.limit);
    return { notifications: page.map(toView), unreadCount, nextCursor: rows.length > options.limit ? (page.at(-1)?.id.toString() ?? null) : null };
  }

  /** Every notification after `afterId`, oldest first (stream resume), at most `limit`. */
  async after(userId: string, afterId: bigint, limit = 1000): Promise<NotificationView[]> {
    const rows = await this.prisma.notification.findMany({ where: { userId, id: { gt: afterId } }, orderBy: { id: "asc" }, take: limit, select: view });
    return rows.map(toView);
  }

  /** The user's newest notification id, or -1 when they have none (a fresh stream starts after it). */
  async latestId(userId: string): Promise<bigint> {
    const row = await this.prisma.notification.findFirst({ where: { userId }, orderBy: { id: "desc" }, select: { id: true } });
    return row?.id ?? -1n;
  }

  unreadCount(userId: string): Promise<number> {
    return this.prisma.notification.count({ where: { userId, readAt: null } });
  }

  /**
   * Marks the user's notifications read (ids of anyone else's are ignored).
   * @returns the ids that are the user's (or "all") and the new unread count.
   */
  async markRead(userId: string, which: { ids: bigint[] } | { all: true }): Promise<{ ids: string[] | "all"; unreadCount: number }> {
    let ids: string[] | "all" = "all";
    if ("ids" in which) {
      // Ordered, so that every tab receives the same receipt whatever order PostgreSQL scans in.
      const own = await this.prisma.notification.findMany({ where: { userId, id: { in: which.ids } }, select: { id: true }, orderBy: { id: "asc" } });
      ids = own.map((n) => n.id.toString());
    }
    await this.prisma.notification.updateMany({
      where: { userId, readAt: null, ...(ids === "all" ? {} : { id: { in: ids.map((id) => BigInt(id)) } }) },
      data: { readAt: new Date() },
    });
    return { ids, unreadCount: await this.unreadCount(userId) };
  }
}
