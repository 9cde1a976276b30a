"use client";

import Link from "next/link";
import { useEffect, useId, useRef, useState, type KeyboardEvent, type MouseEvent } from "react";
import type { NotificationView } from "@/app/lib/events/stream";
import { mentionHref, useOpenMention } from "@/app/lib/mentionLink";
import { notificationsStore, useNotifications } from "@/app/lib/notifications";
import { formatAbsolute, formatRelative } from "@/app/lib/time";
import { useNow } from "@/app/lib/useNow";
import { Avatar } from "./Avatar";
import { Button, focusRing } from "./Button";
import { ErrorMessage } from "./ErrorMessage";
import { BellIcon } from "./icons";
import { Spinner } from "./Spinner";

/** "3 unread" on the badge reads "9+" past nine; the accessible name always has the number. */
const BADGE_MAX = 9;

/**
 * The header's bell: the unread count as a badge, and a panel of the person's mentions (newest
 * first, more on request). Choosing one marks it read and opens the document at the mention.
 * The panel is a non-modal dialog: Escape or a click elsewhere closes it, focus goes into it on
 * open and back to the bell when closed from the keyboard.
 */
export function NotificationBell() {
  const state = useNotifications();
  const [open, setOpen] = useState(false);
  const wrapper = useRef<HTMLDivElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const bell = useRef<HTMLButtonElement>(null);
  const panelId = useId();
  const titleId = useId();

  const close = (returnFocus: boolean) => {
    setOpen(false);
    if (returnFocus) bell.current?.focus();
  };

  useEffect(() => {
    if (!open) return;
    panel.current?.focus();
    const onPointerDown = (event: PointerEvent) => {
      if (event.target instanceof Node && !wrapper.current?.contains(event.target)) setOpen(false);
    };
    document.addEventListener("pointerdown", onPointerDown);
    return () => document.removeEventListener("pointerdown", onPointerDown);
  }, [open]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === "Escape" && open) {
      event.preventDefault();
      close(true);
    }
  };

  const unread = state.status === "loading" ? 0 : state.unreadCount;
  const label = unread > 0 ? `Notifications, ${unread} unread` : "Notifications";

  return (
    <div
      ref={wrapper}
      className="relative"
      onKeyDown={onKeyDown}
      onBlur={(event) => {
        // Tabbing out of the bell and its panel closes the panel.
        if (open && event.relatedTarget instanceof Node && !event.currentTarget.contains(event.relatedTarget)) setOpen(false);
      }}
    >
      <button
        ref={bell}
        type="button"
        aria-label={label}
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => setOpen((o) => !o)}
        className={`relative inline-flex size-9 items-center justify-center rounded-lg text-zinc-600 transition-colors hover:bg-zinc-100 hover:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100 ${focusRing} ${open ? "bg-zinc-100 text-zinc-900 dark:bg-zinc-800 dark:text-zinc-100" : ""}`}
      >
        <BellIcon />
        {unread > 0 ? (
          <span
            aria-hidden="true"
            data-testid="notification-badge"
            className="absolute -top-0.5 -right-0.5 inline-flex h-4 min-w-4 items-center justify-center rounded-full bg-red-600 px-1 text-[0.625rem] leading-none font-semibold text-white tabular-nums ring-2 ring-white dark:bg-red-500 dark:ring-zinc-950"
          >
            {unread > BADGE_MAX ? `${BADGE_MAX}+` : unread}
          </span>
        ) : null}
      </button>

      {open ? (
        <div
          ref={panel}
          id={panelId}
          role="dialog"
          aria-labelledby={titleId}
          tabIndex={-1}
          // Phones: across the screen under the header (the header's backdrop filter makes it the
          // containing block of `fixed`). Wider screens: hanging from the bell.
          className="fixed inset-x-3 top-14 z-30 mt-1 flex max-h-[min(32rem,calc(100dvh-5rem))] flex-col overflow-hidden rounded-2xl bg-white text-zinc-900 shadow-xl ring-1 ring-zinc-900/10 outline-none sm:absolute sm:inset-x-auto sm:top-full sm:-right-2 sm:mt-2 sm:w-96 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-white/10"
        >
          <div className="flex items-center justify-between gap-2 border-b border-zinc-200 px-4 py-3 dark:border-zinc-800">
            <h2 id={titleId} className="text-sm font-semibold">
              Notifications
            </h2>
            <Button
              size="sm"
              variant="ghost"
              disabled={state.unreadCount === 0}
              onClick={() => {
                // The button is about to be disabled: keep focus in the panel rather than losing it.
                panel.current?.focus();
                void notificationsStore().markRead("all");
              }}
            >
              Mark all read
            </Button>
          </div>
          <NotificationList state={state} onOpened={() => setOpen(false)} />
        </div>
      ) : null}
    </div>
  );
}

function NotificationList({ state, onOpened }: { state: ReturnType<typeof useNotifications>; onOpened: () => void }) {
  const now = useNow();
  const store = notificationsStore();
  const openMention = useOpenMention();

  const open = (event: MouseEvent<HTMLAnchorElement>, notification: NotificationView) => {
    void store.markRead([notification.id]);
    // A new tab or window (modified click) gets the link as it is; this tab navigates itself.
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0) return;
    event.preventDefault();
    onOpened();
    openMention(notification.document.id, notification.mentionId);
  };

  return (
    <div className="min-h-0 flex-1 overflow-y-auto">
      <ErrorMessage message={state.error} onDismiss={store.dismissError} className="px-4 pt-3" />
      {state.status === "loading" ? (
        <p className="flex items-center justify-center gap-2 px-4 py-10 text-sm text-zinc-500 dark:text-zinc-400" aria-busy="true">
          <Spinner /> Loading…
        </p>
      ) : state.status === "error" ? (
        <div className="px-4 py-6 text-center">
          <Button size="sm" onClick={() => void store.load()}>
            Try again
          </Button>
        </div>
      ) : state.items.length === 0 ? (
        <div className="px-6 py-10 text-center">
          <p className="text-sm font-medium">Nothing yet</p>
          <p className="mt-1 text-sm text-zinc-500 dark:text-zinc-400">When someone mentions you with @ in a document, it shows up here.</p>
        </div>
      ) : (
        <>
          <ul aria-label="Mentions" className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {state.items.map((n) => (
              <li key={n.id}>
                <Link
                  href={mentionHref(n.document.id, n.mentionId)}
                  onClick={(event) => open(event, n)}
                  className={`flex gap-3 px-4 py-3 outline-offset-[-2px] transition-colors hover:bg-zinc-50 dark:hover:bg-zinc-800/60 ${focusRing} ${n.readAt === null ? "bg-indigo-50/60 dark:bg-indigo-500/[0.07]" : ""}`}
                >
                  <Avatar name={n.author.name} color={n.author.color} size="md" />
                  <span className="min-w-0 flex-1">
                    <MentionSummary notification={n} className="block text-sm text-zinc-700 dark:text-zinc-300" />
                    {n.excerpt ? <span className="mt-0.5 line-clamp-2 block text-sm text-zinc-500 dark:text-zinc-400">“{n.excerpt}”</span> : null}
                    <time dateTime={n.createdAt} title={formatAbsolute(n.createdAt)} className="mt-1 block text-xs text-zinc-500 dark:text-zinc-400">
                      {formatRelative(n.createdAt, now)}
                    </time>
                  </span>
                  {n.readAt === null ? (
                    <span className="mt-1.5 flex shrink-0">
                      <span aria-hidden="true" className="size-2 rounded-full bg-indigo-600 dark:bg-indigo-400" />
                      <span className="sr-only">Unread</span>
                    </span>
                  ) : null}
                </Link>
              </li>
            ))}
          </ul>
          {state.nextCursor ? (
            <div className="border-t border-zinc-100 p-2 dark:border-zinc-800">
              <Button size="sm" variant="ghost" className="w-full" disabled={state.loadingMore} aria-busy={state.loadingMore} onClick={() => void store.loadMore()}>
                {state.loadingMore ? <Spinner /> : null}
                Load more
              </Button>
            </div>
          ) : null}
        </>
      )}
    </div>
  );
}

/** "<Author> mentioned you in <Document title>". */
export function MentionSummary({ notification, className = "" }: { notification: NotificationView; className?: string }) {
  return (
    <span className={className}>
      <span className="font-semibold text-zinc-900 dark:text-zinc-100">{notification.author.name}</span> mentioned you in{" "}
      <span className="font-semibold text-zinc-900 dark:text-zinc-100">{notification.document.title}</span>
    </span>
  );
}
