"use client";

import { usePresence } from "@/app/lib/events/hooks";
import { Avatar } from "./Avatar";

/**
 * Who has the document open right now, live from the event stream: overlapping avatars, each
 * named "<name> is here" (the signed-in person's own, from another tab, "You are here").
 * Renders nothing while the document is empty.
 */
export function HereNow({ documentId, currentUserId, max = 3, className = "" }: { documentId: string; currentUserId: string; max?: number; className?: string }) {
  const users = usePresence(documentId);
  if (users.length === 0) return null;
  const shown = users.slice(0, max);
  const hidden = users.length - shown.length;
  return (
    <ul aria-label="Here now" className={`flex items-center -space-x-1.5 ${className}`}>
      {shown.map((user, i) => (
        // Earlier avatars on top, so that each one's presence dot stays visible.
        <li key={user.id} className="relative flex" style={{ zIndex: shown.length - i }}>
          <Avatar name={user.name} color={user.color} size="sm" label={user.id === currentUserId ? "You are here" : `${user.name} is here`} />
          <span aria-hidden="true" className="absolute -right-0.5 -bottom-0.5 size-2.5 rounded-full bg-emerald-500 ring-2 ring-white dark:ring-zinc-900" />
        </li>
      ))}
      {hidden > 0 ? (
        <li className="flex">
          <span
            className="inline-flex size-7 items-center justify-center rounded-full bg-zinc-200 text-[0.65rem] font-semibold text-zinc-700 ring-2 ring-white dark:bg-zinc-700 dark:text-zinc-200 dark:ring-zinc-900"
            title={`${hidden} more`}
          >
            +{hidden}
            <span className="sr-only"> more people here</span>
          </span>
        </li>
      ) : null}
    </ul>
  );
}
