"use client";

import { useSyncExternalStore } from "react";
import { api, errorMessage, type NotificationPage } from "./api";
import { eventStream, type NotificationView, type StreamEvent } from "./events/stream";

export interface NotificationsState {
  status: "loading" | "ready" | "error";
  /** Newest first (by id), each once. */
  items: readonly NotificationView[];
  unreadCount: number;
  /** The cursor of the next (older) page; null when everything is loaded. */
  nextCursor: string | null;
  loadingMore: boolean;
  /** The last failure to show (loading, loading more, marking read); null when none. */
  error: string | null;
}

/** What the store needs from the API (the real client by default; a fake in tests). */
export interface NotificationsClient {
  list: (cursor: string | null) => Promise<NotificationPage>;
  markRead: (which: string[] | "all") => Promise<{ unreadCount: number }>;
}

/** What the store needs from the event stream. */
export interface LiveEvents {
  subscribe: (listener: (event: StreamEvent) => void) => () => void;
}

type LiveEvent = Extract<StreamEvent, { event: "notification" | "notification-read" }>;

const INITIAL: NotificationsState = { status: "loading", items: [], unreadCount: 0, nextCursor: null, loadingMore: false, error: null };

const newestFirst = (a: NotificationView, b: NotificationView) => {
  const x = BigInt(a.id);
  const y = BigInt(b.id);
  return x === y ? 0 : x > y ? -1 : 1;
};

/**
 * This tab's notifications: the first page of `GET /api/notifications`, kept live by the event
 * stream (`notification` prepends and counts, `notification-read` marks read and sets the count
 * every tab agrees on). Events that arrive while the first page loads are applied on top of it
 * once it is in, deduplicated by id, so none is lost or counted twice at the seam.
 */
export class NotificationsStore {
  private state: NotificationsState = INITIAL;
  private readonly listeners = new Set<() => void>();
  /** Live events held back while the first page loads; null once it has loaded. */
  private held: LiveEvent[] | null = null;
  private stopEvents: (() => void) | null = null;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly client: NotificationsClient,
    private readonly events: LiveEvents,
  ) {}

  /** Subscribes to the stream and loads the first page (once; later calls do nothing). */
  start(): void {
    if (this.stopEvents) return;
    this.stopEvents = this.events.subscribe((event) => {
      if (event.event !== "notification" && event.event !== "notification-read") return;
      if (this.held) this.held.push(event);
      else this.set(apply(this.state, event));
    });
    void this.load();
  }

  stop(): void {
    this.stopEvents?.();
    this.stopEvents = null;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): NotificationsState => this.state;

  /** (Re)loads the first page; the list shown so far stays until it is in. */
  readonly load = (): Promise<void> => {
    this.loading ??= this.fetchFirstPage().finally(() => {
      this.loading = null;
    });
    return this.loading;
  };

  private async fetchFirstPage(): Promise<void> {
    const held: LiveEvent[] = [];
    this.held = held;
    this.set({ ...this.state, status: this.state.status === "ready" ? "ready" : "loading", error: null });
    try {
      const page = await this.client.list(null);
      let next: NotificationsState = { status: "ready", items: page.notifications, unreadCount: page.unreadCount, nextCursor: page.nextCursor, loadingMore: false, error: null };
      for (const event of held) next = apply(next, event);
      this.held = null;
      this.set(next);
    } catch (error) {
      // Live events keep flowing onto whatever is shown; a retry holds them again.
      this.held = null;
      let next: NotificationsState = { ...this.state, status: this.state.status === "ready" ? "ready" : "error", error: `Could not load notifications: ${errorMessage(error)}` };
      for (const event of held) next = apply(next, event);
      this.set(next);
    }
  }

  /** Loads the next (older) page, if there is one. */
  readonly loadMore = async (): Promise<void> => {
    const { nextCursor, loadingMore } = this.state;
    if (!nextCursor || loadingMore) return;
    this.set({ ...this.state, loadingMore: true, error: null });
    try {
      const page = await this.client.list(nextCursor);
      const known = new Set(this.state.items.map((n) => n.id));
      this.set({
        ...this.state,
        items: [...this.state.items, ...page.notifications.filter((n) => !known.has(n.id))].sort(newestFirst),
        nextCursor: page.nextCursor,
        loadingMore: false,
      });
    } catch (error) {
      this.set({ ...this.state, loadingMore: false, error: `Could not load more notifications: ${errorMessage(error)}` });
    }
  };

  /**
   * Marks notifications read: at once here, then on the server, whose answer sets the count
   * (every other tab hears it as a `notification-read` event). A failure reloads the truth.
   */
  readonly markRead = async (which: string[] | "all"): Promise<void> => {
    // Ids not on hand (still loading) are marked on the server all the same.
    const known = which === "all" ? 0 : which.filter((id) => this.state.items.some((n) => n.id === id && n.readAt === null)).length;
    const unread = which === "all" ? 0 : Math.max(0, this.state.unreadCount - known);
    this.set(apply(this.state, { event: "notification-read", data: { ids: which, unreadCount: unread } }));
    try {
      const { unreadCount } = await this.client.markRead(which);
      this.set({ ...this.state, unreadCount });
    } catch (error) {
      await this.load();
      this.set({ ...this.state, error: `Could not mark as read: ${errorMessage(error)}` });
    }
  };

  readonly dismissError = (): void => {
    if (this.state.error) this.set({ ...this.state, error: null });
  };

  private set(state: NotificationsState): void {
    this.state = state;
    for (const listener of [...this.listeners]) listener();
  }
}

/** One live event applied to the state (pure). */
export function apply(state: NotificationsState, event: LiveEvent): NotificationsState {
  if (event.event === "notification") {
    const notification = event.data;
    if (state.items.some((n) => n.id === notification.id)) return state;
    return {
      ...state,
      items: [notification, ...state.items].sort(newestFirst),
      unreadCount: state.unreadCount + (notification.readAt === null ? 1 : 0),
    };
  }
  const { ids, unreadCount } = event.data;
  const read = ids === "all" ? null : new Set(ids);
  const readAt = new Date().toISOString();
  return {
    ...state,
    items: state.items.map((n) => (n.readAt === null && (read === null || read.has(n.id)) ? { ...n, readAt } : n)),
    unreadCount,
  };
}

let shared: NotificationsStore | null = null;

/**
 * This tab's notifications store, kept across client-side navigation. It loads and listens from
 * its first subscriber on (so rendering alone starts nothing).
 */
export function notificationsStore(): NotificationsStore {
  shared ??= new NotificationsStore({ list: (cursor) => api.listNotifications(cursor), markRead: (which) => api.markNotificationsRead(which) }, { subscribe: (listener) => eventStream().subscribe(listener) });
  return shared;
}

const subscribe = (changed: () => void) => {
  const store = notificationsStore();
  const unsubscribe = store.subscribe(changed);
  store.start();
  return unsubscribe;
};
const snapshot = () => notificationsStore().getSnapshot();
const serverSnapshot = () => INITIAL;

/** The signed-in user's notifications and unread count, live. */
export function useNotifications(): NotificationsState {
  return useSyncExternalStore(subscribe, snapshot, serverSnapshot);
}
