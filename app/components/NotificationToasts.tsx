"use client";

import { useCallback, useEffect, useId, useRef, useState } from "react";
import { useStreamEvents } from "@/app/lib/events/hooks";
import type { NotificationView, StreamEvent } from "@/app/lib/events/stream";
import { useOpenMention } from "@/app/lib/mentionLink";
import { notificationsStore } from "@/app/lib/notifications";
import { Avatar } from "./Avatar";
import { focusRing } from "./Button";
import { CloseIcon } from "./icons";
import { MentionSummary } from "./NotificationBell";

/** How long a toast stays (the clock stops while the pointer or focus is on it). */
export const TOAST_MS = 6_000;
/** At most this many toasts at once; the oldest goes first. */
const MAX_TOASTS = 3;

/**
 * Toasts for mentions that arrive live, in the tab the person is looking at (every tab's bell
 * updates; only a visible one toasts). The region is a polite live region that stays mounted,
 * so screen readers announce each toast as it is added.
 */
export function NotificationToasts() {
  const [toasts, setToasts] = useState<NotificationView[]>([]);

  const onEvent = useCallback((event: StreamEvent) => {
    if (event.event === "notification") {
      const notification = event.data;
      if (notification.readAt !== null || document.visibilityState !== "visible") return;
      setToasts((current) => [...current.filter((t) => t.id !== notification.id), notification].slice(-MAX_TOASTS));
    } else if (event.event === "notification-read") {
      // Read elsewhere (another tab, "Mark all read"): nothing left to tell.
      const { ids } = event.data;
      setToasts((current) => (ids === "all" ? [] : current.filter((t) => !ids.includes(t.id))));
    }
  }, []);
  useStreamEvents(onEvent);

  const dismiss = useCallback((id: string) => setToasts((current) => current.filter((t) => t.id !== id)), []);

  return (
    <div
      role="status"
      aria-live="polite"
      aria-relevant="additions"
      aria-label="New notifications"
      className="pointer-events-none fixed right-0 bottom-0 z-50 flex w-full max-w-sm flex-col gap-2 p-4 sm:right-2 sm:bottom-2"
    >
      {toasts.map((notification) => (
        <Toast key={notification.id} notification={notification} onDismiss={dismiss} />
      ))}
    </div>
  );
}

function Toast({ notification, onDismiss }: { notification: NotificationView; onDismiss: (id: string) => void }) {
  const openMention = useOpenMention();
  const [paused, setPaused] = useState({ hover: false, focus: false });
  const remaining = useRef(TOAST_MS);
  const summaryId = useId();
  const { id } = notification;

  useEffect(() => {
    if (paused.hover || paused.focus) return;
    const started = Date.now();
    const timer = window.setTimeout(() => onDismiss(id), remaining.current);
    return () => {
      window.clearTimeout(timer);
      remaining.current = Math.max(1_000, remaining.current - (Date.now() - started));
    };
  }, [paused.hover, paused.focus, id, onDismiss]);

  const open = () => {
    onDismiss(id);
    void notificationsStore().markRead([id]);
    openMention(notification.document.id, notification.mentionId);
  };

  return (
    <div
      role="group"
      aria-labelledby={summaryId}
      onPointerEnter={() => setPaused((p) => ({ ...p, hover: true }))}
      onPointerLeave={() => setPaused((p) => ({ ...p, hover: false }))}
      onFocus={() => setPaused((p) => ({ ...p, focus: true }))}
      onBlur={(event) => {
        if (!(event.relatedTarget instanceof Node && event.currentTarget.contains(event.relatedTarget))) setPaused((p) => ({ ...p, focus: false }));
      }}
      className="tandem-toast pointer-events-auto flex items-start gap-3 rounded-xl bg-white p-3 text-zinc-900 shadow-lg ring-1 ring-zinc-900/10 dark:bg-zinc-800 dark:text-zinc-100 dark:ring-white/10"
    >
      <Avatar name={notification.author.name} color={notification.author.color} size="md" />
      <div className="min-w-0 flex-1">
        <p id={summaryId} className="text-sm text-zinc-700 dark:text-zinc-300">
          <MentionSummary notification={notification} />
        </p>
        {notification.excerpt ? <p className="mt-0.5 line-clamp-2 text-sm text-zinc-500 dark:text-zinc-400">“{notification.excerpt}”</p> : null}
        <button
          type="button"
          onClick={open}
          className={`mt-2 rounded-md px-2 py-1 text-sm font-semibold text-indigo-600 hover:bg-indigo-50 dark:text-indigo-300 dark:hover:bg-indigo-500/10 ${focusRing} -ml-2`}
        >
          Open
        </button>
      </div>
      <button
        type="button"
        aria-label="Dismiss"
        onClick={() => onDismiss(id)}
        className={`-m-1 rounded-md p-1 text-zinc-400 hover:bg-zinc-100 hover:text-zinc-700 dark:hover:bg-zinc-700 dark:hover:text-zinc-200 ${focusRing}`}
      >
        <CloseIcon />
      </button>
    </div>
  );
}
