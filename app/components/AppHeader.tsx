"use client";

import { useState, type ReactNode } from "react";
import { api, errorMessage, type User } from "@/app/lib/api";
import { Avatar } from "./Avatar";
import { Button } from "./Button";
import { ErrorMessage } from "./ErrorMessage";
import { Logo } from "./Logo";
import { NotificationBell } from "./NotificationBell";
import { NotificationToasts } from "./NotificationToasts";

/**
 * The top bar: the wordmark (or what `start` puts there), the notification bell, then the
 * signed-in user and Sign out. Sign out failures are shown under the bar. Toasts for live
 * mentions come with it, so every signed-in page has them.
 */
export function AppHeader({ user, start, end }: { user: User; start?: ReactNode; end?: ReactNode }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const signOut = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.signOut();
      // A full page load, not a client-side one: it ends this tab's event stream and its
      // notifications, which belong to the person who just signed out.
      window.location.replace("/sign-in");
    } catch (e) {
      setBusy(false);
      setError(`Could not sign out: ${errorMessage(e)}`);
    }
  };

  return (
    <>
      <header className="sticky top-0 z-10 border-b border-zinc-200 bg-white/85 backdrop-blur dark:border-zinc-800 dark:bg-zinc-950/85">
        <div className="mx-auto flex h-14 max-w-5xl items-center gap-3 px-4 sm:px-6">
          <div className="flex min-w-0 flex-1 items-center gap-3">{start ?? <Logo />}</div>
          {end}
          <NotificationBell />
          <div className="flex items-center gap-2">
            <Avatar name={user.name} color={user.color} size="sm" />
            <span className="hidden max-w-40 truncate text-sm font-medium text-zinc-800 sm:inline dark:text-zinc-200" title={user.email}>
              {user.name}
            </span>
          </div>
          <Button variant="ghost" size="sm" onClick={() => void signOut()} disabled={busy}>
            Sign out
          </Button>
        </div>
        <ErrorMessage message={error} onDismiss={() => setError(null)} className="mx-auto max-w-5xl px-4 pb-2 sm:px-6" />
      </header>
      {/* Outside the header: its backdrop filter would make it the toasts' containing block. */}
      <NotificationToasts />
    </>
  );
}
