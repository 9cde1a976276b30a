import type { StreamEvent } from "../events/types";
import type { Logger } from "../logger";
import type { DetectedMention } from "../mentions/detect";
import type { NotificationsRepository } from "./repository";

/** Creates notifications for detected mentions and delivers them, and read receipts, to the recipients' streams. */
export class Notifier {
  /**
   * Batches are created and delivered one at a time. A stream skips a notification whose id is
   * not above the last one it sent (that is how it deduplicates replay and live events), so a
   * user's notifications must be delivered in id order: with overlapping batches, a batch that
   * got a smaller id but finished later would be skipped by every open stream, for good.
   */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      notifications: NotificationsRepository;
      /** Delivers to every stream of the user, on every instance. */
      toUser: (userId: string, event: StreamEvent) => void;
      logger: Logger;
    },
  ) {}

  readonly mentionsAdded = (found: { documentId: string; authorId: string; mentions: DetectedMention[] }): void => {
    this.queue = this.queue
      .then(() => this.deps.notifications.createForMentions(found.documentId, found.authorId, found.mentions))
      .then((created) => {
        for (const { userId, notification } of created) this.deps.toUser(userId, { event: "notification", data: notification });
      })
      .catch((error: unknown) => this.deps.logger.error({ err: error, documentId: found.documentId, authorId: found.authorId }, "creating mention notifications failed"));
  };

  async markRead(userId: string, which: { ids: bigint[] } | { all: true }): Promise<number> {
    const { ids, unreadCount } = await this.deps.notifications.markRead(userId, which);
    this.deps.toUser(userId, { event: "notification-read", data: { ids, unreadCount } });
    return unreadCount;
  }
}
