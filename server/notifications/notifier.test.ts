import { afterEach, describe, expect, it, vi } from "vitest";
import { createTestLogger, deferred, type Deferred } from "../collab/test-support";
import type { StreamEvent } from "../events/types";
import type { DetectedMention, MentionsFound } from "../mentions/detect";
import { AuthorLimit, MINUTE_MS } from "./author-limit";
import { MAX_PENDING_MENTIONS, Notifier } from "./notifier";
import type { CreatedNotification, NotificationsRepository } from "./repository";

const WARN = 40;

/** A repository whose batches are answered when the test says so: one notification per mention. */
class FakeNotifications implements Pick<NotificationsRepository, "createForMentions" | "markRead"> {
  readonly batches: MentionsFound[][] = [];
  private readonly answers: Array<Deferred<void>> = [];
  private nextId = 0;
  /** A batch of more than one update fails (to see the fallback). */
  failBatches = false;

  async createForMentions(batch: readonly MentionsFound[]): Promise<CreatedNotification[]> {
    this.batches.push([...batch]);
    const answer = deferred();
    this.answers.push(answer);
    await answer.promise;
    if (this.failBatches && batch.length > 1) throw new Error("batch failed");
    if (batch.some((found) => found.documentId === "gone")) throw new Error("document gone");
    return batch.flatMap((found) => found.mentions.map((mention) => this.created(found, mention)));
  }

  async markRead(): Promise<{ ids: string[] | "all"; unreadCount: number }> {
    return { ids: "all", unreadCount: 0 };
  }

  /** Lets the oldest unanswered batch finish. */
  answer(): void {
    const next = this.answers.shift();
    if (!next) throw new Error("no batch is waiting");
    next.resolve();
  }

  private created(found: MentionsFound, mention: DetectedMention): CreatedNotification {
    this.nextId += 1;
    return {
      userId: mention.userId,
      notification: {
        id: String(this.nextId),
        mentionId: mention.mentionId,
        document: { id: found.documentId, title: "t" },
        author: { id: found.authorId, name: "a", color: "#000" },
        excerpt: mention.excerpt,
        createdAt: new Date(0).toISOString(),
        readAt: null,
      },
    };
  }
}

let sequence = 0;
function mentions(userId: string, count: number): DetectedMention[] {
  return Array.from({ length: count }, () => {
    sequence += 1;
    return { mentionId: `m-${sequence}`, userId, label: userId, excerpt: `@${userId}` };
  });
}

function setup(limits = { mentionsPerUpdate: 20, mentionsPerMinute: 60 }) {
  const notifications = new FakeNotifications();
  const delivered: Array<{ userId: string; event: StreamEvent }> = [];
  const { logger, entries } = createTestLogger();
  const notifier = new Notifier({ notifications, toUser: (userId, event) => delivered.push({ userId, event }), logger, limits });
  return { notifier, notifications, delivered, entries };
}

const mentionIds = (batch: MentionsFound[] | undefined) => (batch ?? []).flatMap((found) => found.mentions.map((m) => m.mentionId));

describe("Notifier", () => {
  it("[NT10] mentions that arrive while a batch is written wait, and go in the next batch together", async () => {
    const { notifier, notifications, delivered } = setup();
    notifier.mentionsAdded({ documentId: "d1", authorId: "a1", mentions: mentions("u1", 2) });
    await vi.waitFor(() => expect(notifications.batches).toHaveLength(1));
    const [later1, later2] = [mentions("u2", 3), mentions("u1", 1)];
    notifier.mentionsAdded({ documentId: "d2", authorId: "a2", mentions: later1 });
    notifier.mentionsAdded({ documentId: "d1", authorId: "a1", mentions: later2 });
    // One batch at a time: nothing more is written until the first is done.
    await new Promise((resolve) => setImmediate(resolve));
    expect(notifications.batches).toHaveLength(1);

    notifications.answer();
    await vi.waitFor(() => expect(notifications.batches).toHaveLength(2));
    expect(mentionIds(notifications.batches[1])).toEqual([...later1, ...later2].map((m) => m.mentionId));
    expect(delivered.map((d) => d.userId)).toEqual(["u1", "u1"]);
    notifications.answer();
    await vi.waitFor(() => expect(delivered).toHaveLength(6));
    expect(delivered.every((d) => d.event.event === "notification")).toBe(true);
  });

  it("[NT8] an update's mentions past MENTIONS_PER_UPDATE, and self-mentions, are not queued", async () => {
    const { notifier, notifications } = setup({ mentionsPerUpdate: 3, mentionsPerMinute: 60 });
    expect(notifier.mentionsAdded.perUpdate).toBe(3);
    const own = mentions("a1", 1);
    const others = mentions("u1", 5);
    notifier.mentionsAdded({ documentId: "d1", authorId: "a1", mentions: [...own, ...others] });
    await vi.waitFor(() => expect(notifications.batches).toHaveLength(1));
    expect(mentionIds(notifications.batches[0])).toEqual(others.slice(0, 2).map((m) => m.mentionId));
  });

  it("[NT9] at most MENTIONS_PER_MINUTE of one author's mentions are queued, whatever the documents; other authors are not affected", async () => {
    const { notifier, notifications } = setup({ mentionsPerUpdate: 20, mentionsPerMinute: 5 });
    const first = mentions("u1", 3);
    const second = mentions("u1", 3);
    notifier.mentionsAdded({ documentId: "d1", authorId: "a1", mentions: first });
    notifier.mentionsAdded({ documentId: "d2", authorId: "a1", mentions: second });
    const other = mentions("u1", 3);
    notifier.mentionsAdded({ documentId: "d1", authorId: "a2", mentions: other });
    await vi.waitFor(() => expect(notifications.batches).toHaveLength(1));
    expect(mentionIds(notifications.batches[0])).toEqual([...first, ...second.slice(0, 2), ...other].map((m) => m.mentionId));
  });

  it("[NT10] at most MAX_PENDING_MENTIONS wait; the excess is dropped, with one log line", async () => {
    const { notifier, notifications, entries } = setup({ mentionsPerUpdate: 20, mentionsPerMinute: 60 });
    notifier.mentionsAdded({ documentId: "d", authorId: "first", mentions: mentions("u", 1) });
    await vi.waitFor(() => expect(notifications.batches).toHaveLength(1));
    // While that batch is written, 100 authors send 20 mentions each: 2,000, twice the bound.
    for (let author = 0; author < 100; author += 1) notifier.mentionsAdded({ documentId: "d", authorId: `author-${author}`, mentions: mentions("u", 20) });
    notifications.answer();
    await vi.waitFor(() => expect(notifications.batches).toHaveLength(2));
    expect(mentionIds(notifications.batches[1])).toHaveLength(MAX_PENDING_MENTIONS);
    const warnings = entries.filter((e) => e.level === WARN);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ dropped: 2_000 - MAX_PENDING_MENTIONS });
  });

  it("a failed batch is retried update by update, so that only the failing one is lost (and logged)", async () => {
    const { notifier, notifications, delivered, entries } = setup();
    notifications.failBatches = true;
    notifier.mentionsAdded({ documentId: "d1", authorId: "a1", mentions: mentions("u1", 1) });
    await vi.waitFor(() => expect(notifications.batches).toHaveLength(1));
    notifier.mentionsAdded({ documentId: "gone", authorId: "a2", mentions: mentions("u2", 1) });
    notifier.mentionsAdded({ documentId: "d3", authorId: "a3", mentions: mentions("u3", 1) });
    notifications.answer();
    await vi.waitFor(() => expect(notifications.batches).toHaveLength(2));
    notifications.answer();
    await vi.waitFor(() => expect(notifications.batches).toHaveLength(3));
    notifications.answer();
    await vi.waitFor(() => expect(notifications.batches).toHaveLength(4));
    notifications.answer();
    await vi.waitFor(() => expect(delivered.map((d) => d.userId)).toEqual(["u1", "u3"]));
    expect(entries.filter((e) => e.msg === "creating mention notifications failed").map((e) => e.documentId)).toEqual(["gone"]);
  });
});

describe("AuthorLimit", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("[NT9] allows `perWindow` mentions per author per minute, logs what it dropped once per author per window, and forgets idle authors", () => {
    vi.useFakeTimers();
    const { logger, entries } = createTestLogger();
    const limit = new AuthorLimit({ perWindow: 5, logger, now: () => Date.now() });
    expect(limit.take("a1", "d1", 3)).toBe(3);
    expect(limit.take("a1", "d2", 3)).toBe(2);
    expect(limit.take("a1", "d1", 4)).toBe(0);
    expect(limit.take("a2", "d1", 5)).toBe(5);
    expect(entries).toEqual([]);

    vi.advanceTimersByTime(MINUTE_MS);
    // The windows are over: one line for the author who went over, none for the other.
    expect(entries.filter((e) => e.level === WARN)).toEqual([
      expect.objectContaining({ authorId: "a1", documentIds: ["d2", "d1"], dropped: 5, limit: 5 }),
    ]);
    expect(limit.size).toBe(0);
    expect(limit.take("a1", "d1", 6)).toBe(5);
    limit.close();
    expect(entries.filter((e) => e.level === WARN)).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });
});
