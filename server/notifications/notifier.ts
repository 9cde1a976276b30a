import type { Limits } from "../config";
import type { StreamEvent } from "../events/types";
import type { Logger } from "../logger";
import type { MentionHandler, MentionsFound } from "../mentions/detect";
import { AuthorLimit } from "./author-limit";
import type { CreatedNotification, NotificationsRepository } from "./repository";

/**
 * Mentions waiting for the next batch, at most; more are dropped (and logged). Bounds the
 * memory a flood of authors can take, and the size of one batch's statement.
 */
export const MAX_PENDING_MENTIONS = 1_000;

export interface NotifierDeps {
  notifications: Pick<NotificationsRepository, "createForMentions" | "markRead">;
  /** Delivers to every stream of the user, on every instance. */
  toUser: (userId: string, event: StreamEvent) => void;
  logger: Logger;
  limits: Pick<Limits, "mentionsPerUpdate" | "mentionsPerMinute">;
}

/**
 * Creates notifications for detected mentions and delivers them, and read receipts, to the
 * recipients' streams.
 *
 * A room hands its mentions over and goes on: they wait in a queue, and are written in
 * batches, one at a time — the mentions that arrive while a batch is being written go in the
 * next one, together. So a flood of mentions costs a few statements, and someone else's mention
 * waits for at most the batch in flight. Batches are one at a time because a stream skips a
 * notification whose id is not above the last one it sent (that is how it deduplicates replay
 * and live events): a user's notifications must be delivered in id order.
 */
export class Notifier {
  /** What rooms call with the mentions an update added (at most `perUpdate` of them). */
  readonly mentionsAdded: MentionHandler;
  private readonly authors: AuthorLimit;
  private pending: MentionsFound[] = [];
  private pendingMentions = 0;
  /** Mentions dropped because the queue was full, since that was last logged. */
  private overflow = 0;
  private writing = false;

  constructor(private readonly deps: NotifierDeps) {
    this.authors = new AuthorLimit({ perWindow: deps.limits.mentionsPerMinute, logger: deps.logger });
    this.mentionsAdded = Object.assign((found: MentionsFound) => this.enqueue(found), { perUpdate: deps.limits.mentionsPerUpdate });
  }

  async markRead(userId: string, which: { ids: bigint[] } | { all: true }): Promise<number> {
    const { ids, unreadCount } = await this.deps.notifications.markRead(userId, which);
    this.deps.toUser(userId, { event: "notification-read", data: { ids, unreadCount } });
    return unreadCount;
  }

  /** Runs in the room, inside the update's observers: only counts and queues. */
  private enqueue(found: MentionsFound): void {
    // Mentioning oneself notifies nobody, so it spends none of the author's allowance.
    const others = found.mentions.slice(0, this.deps.limits.mentionsPerUpdate).filter((m) => m.userId !== found.authorId);
    if (others.length === 0) return;
    const allowed = this.authors.take(found.authorId, found.documentId, others.length);
    const room = MAX_PENDING_MENTIONS - this.pendingMentions;
    const mentions = others.slice(0, Math.min(allowed, room));
    this.overflow += allowed - mentions.length;
    if (mentions.length === 0) return;
    this.pending.push({ documentId: found.documentId, authorId: found.authorId, mentions });
    this.pendingMentions += mentions.length;
    if (!this.writing) {
      this.writing = true;
      // After this event-loop turn: the other updates read in it join the same batch.
      setImmediate(() => void this.writeBatches());
    }
  }

  private async writeBatches(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        this.pendingMentions = 0;
        this.logOverflow();
        const created = await this.write(batch);
        try {
          for (const { userId, notification } of created) this.deps.toUser(userId, { event: "notification", data: notification });
        } catch (error) {
          this.deps.logger.error({ err: error }, "delivering mention notifications failed");
        }
      }
    } finally {
      this.writing = false;
    }
  }

  /**
   * One transaction for the batch; if it fails, each update's mentions are tried on their own,
   * so that one whose document or author is gone meanwhile fails alone.
   */
  private async write(batch: MentionsFound[]): Promise<CreatedNotification[]> {
    try {
      return await this.deps.notifications.createForMentions(batch);
    } catch (error) {
      if (batch.length === 1) {
        this.logFailure(error, batch[0]);
        return [];
      }
      this.deps.logger.warn({ err: error, updates: batch.length }, "a batch of mention notifications failed; trying its updates one by one");
    }
    const created: CreatedNotification[] = [];
    for (const found of batch) {
      try {
        created.push(...(await this.deps.notifications.createForMentions([found])));
      } catch (error) {
        this.logFailure(error, found);
      }
    }
    return created;
  }

  private logFailure(error: unknown, found: MentionsFound | undefined): void {
    this.deps.logger.error({ err: error, documentId: found?.documentId, authorId: found?.authorId }, "creating mention notifications failed");
  }

  private logOverflow(): void {
    if (this.overflow === 0) return;
    this.deps.logger.warn({ dropped: this.overflow, limit: MAX_PENDING_MENTIONS }, "the mention queue was full: mentions notified nobody");
    this.overflow = 0;
  }
}
