import type { PrismaClient } from "../db/generated/client";
import type { NotificationView } from "../events/types";
import type { DetectedMention } from "../mentions/detect";

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

/** Namespace of the per-recipient advisory locks that keep a user's notification ids in commit order. */
const RECIPIENT_LOCK_NAMESPACE = 0x6e6f7466; // "notf"

/** @mention notifications. */
export class NotificationsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Creates one notification per new mention of a member other than the author. Mentions of
   * non-members, of the author, and mention ids already notified are skipped.
   * @returns the created notifications with their recipients, in id order.
   */
  async createForMentions(documentId: string, authorId: string, mentions: readonly DetectedMention[]): Promise<Array<{ userId: string; notification: NotificationView }>> {
    const candidates = mentions.filter((m) => m.userId !== authorId);
    if (candidates.length === 0) return [];
    const members = await this.prisma.documentMember.findMany({
      where: { documentId, userId: { in: [...new Set(candidates.map((m) => m.userId))] } },
      select: { userId: true },
    });
    const memberIds = new Set(members.map((m) => m.userId));
    const created: Array<{ userId: string; notification: NotificationView }> = [];
    for (const mention of candidates) {
      if (!memberIds.has(mention.userId)) continue;
      const row = await this.prisma.$transaction(async (tx) => {
        // A user's ids must become visible in increasing order, or a stream resuming after
        // id N could miss a smaller id committed later: one writer per recipient at a time.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${RECIPIENT_LOCK_NAMESPACE}::int, hashtext(${mention.userId}))`;
        const inserted = await tx.$queryRaw<Array<{ id: bigint }>>`
          INSERT INTO notification ("userId", "documentId", "authorId", "mentionId", excerpt)
          VALUES (${mention.userId}, ${documentId}::uuid, ${authorId}, ${mention.mentionId}, ${mention.excerpt})
          ON CONFLICT ("mentionId") DO NOTHING RETURNING id`;
        const id = inserted[0]?.id;
        return id === undefined ? null : tx.notification.findUniqueOrThrow({ where: { id }, select: view });
      });
      if (row) created.push({ userId: mention.userId, notification: toView(row) });
    }
    return created;
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
