import { describe, expect, it } from "vitest";
import type { NotificationPage } from "./api";
import type { NotificationView, StreamEvent } from "./events/stream";
import { NotificationsStore, type NotificationsClient } from "./notifications";

function notification(id: string, overrides: Partial<NotificationView> = {}): NotificationView {
  return {
    id,
    mentionId: `m-${id}`,
    document: { id: "doc", title: "Plan" },
    author: { id: "ada", name: "Ada", color: "#336699" },
    excerpt: "hello @Bob",
    createdAt: "2026-01-01T00:00:00.000Z",
    readAt: null,
    ...overrides,
  };
}

/** A controllable fake: each list() call waits until the test resolves it. */
function fakes() {
  const pages: Array<(page: NotificationPage) => void> = [];
  const marked: Array<string[] | "all"> = [];
  let listener: ((event: StreamEvent) => void) | null = null;
  const client: NotificationsClient = {
    list: () => new Promise((resolve) => pages.push(resolve)),
    markRead: async (which) => {
      marked.push(which);
      return { unreadCount: 0 };
    },
  };
  const events = {
    subscribe: (l: (event: StreamEvent) => void) => {
      listener = l;
      return () => (listener = null);
    },
  };
  const emit = (event: StreamEvent) => listener?.(event);
  const respond = async (page: NotificationPage) => {
    pages.shift()?.(page);
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { client, events, emit, respond, marked };
}

describe("NotificationsStore", () => {
  it("applies events that arrive while the first page loads on top of it, each once", async () => {
    const f = fakes();
    const store = new NotificationsStore(f.client, f.events);
    store.start();
    expect(store.getSnapshot().status).toBe("loading");
    // "2" is in the page too; "3" committed after the page was read.
    f.emit({ event: "notification", data: notification("2") });
    f.emit({ event: "notification", data: notification("3") });
    await f.respond({ notifications: [notification("2"), notification("1")], unreadCount: 2, nextCursor: null });
    const state = store.getSnapshot();
    expect(state.items.map((n) => n.id)).toEqual(["3", "2", "1"]);
    expect(state.unreadCount).toBe(3);
  });

  it("keeps ids in numeric order and ignores a replayed notification", async () => {
    const f = fakes();
    const store = new NotificationsStore(f.client, f.events);
    store.start();
    await f.respond({ notifications: [notification("9")], unreadCount: 1, nextCursor: null });
    f.emit({ event: "notification", data: notification("10") });
    f.emit({ event: "notification", data: notification("10") });
    expect(store.getSnapshot().items.map((n) => n.id)).toEqual(["10", "9"]);
    expect(store.getSnapshot().unreadCount).toBe(2);
  });

  it("takes the unread count from notification-read and marks the listed ids read", async () => {
    const f = fakes();
    const store = new NotificationsStore(f.client, f.events);
    store.start();
    await f.respond({ notifications: [notification("2"), notification("1")], unreadCount: 5, nextCursor: "1" });
    f.emit({ event: "notification-read", data: { ids: ["1"], unreadCount: 4 } });
    expect(store.getSnapshot().items.map((n) => n.readAt !== null)).toEqual([false, true]);
    expect(store.getSnapshot().unreadCount).toBe(4);
    f.emit({ event: "notification-read", data: { ids: "all", unreadCount: 0 } });
    expect(store.getSnapshot().items.every((n) => n.readAt !== null)).toBe(true);
    expect(store.getSnapshot().unreadCount).toBe(0);
  });

  it("marks read at once and sends the ids to the server", async () => {
    const f = fakes();
    const store = new NotificationsStore(f.client, f.events);
    store.start();
    await f.respond({ notifications: [notification("2"), notification("1")], unreadCount: 2, nextCursor: null });
    const done = store.markRead(["2"]);
    expect(store.getSnapshot().unreadCount).toBe(1);
    expect(store.getSnapshot().items[0]?.readAt).not.toBeNull();
    await done;
    expect(f.marked).toEqual([["2"]]);
    expect(store.getSnapshot().unreadCount).toBe(0);
  });

  it("appends older pages without duplicates", async () => {
    const f = fakes();
    const store = new NotificationsStore(f.client, f.events);
    store.start();
    await f.respond({ notifications: [notification("3"), notification("2")], unreadCount: 3, nextCursor: "2" });
    const more = store.loadMore();
    expect(store.getSnapshot().loadingMore).toBe(true);
    await f.respond({ notifications: [notification("2"), notification("1")], unreadCount: 3, nextCursor: null });
    await more;
    expect(store.getSnapshot().items.map((n) => n.id)).toEqual(["3", "2", "1"]);
    expect(store.getSnapshot().nextCursor).toBeNull();
  });
});
