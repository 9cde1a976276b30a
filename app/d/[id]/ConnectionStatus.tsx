"use client";

import { useEffect, useState } from "react";
import type { CollabSnapshot } from "./collab/session";

const LABELS = { connected: "Connected", connecting: "Connecting…", offline: "Offline", closed: "Disconnected" } as const;

const DOTS = {
  connected: "bg-emerald-500",
  connecting: "bg-amber-500 animate-pulse",
  offline: "bg-zinc-400 dark:bg-zinc-500",
  closed: "bg-red-500",
} as const;

/** While connected, changes are normally stored within ~100 ms; only a longer wait is worth showing. */
const SLOW_SAVE_MS = 2_000;

/**
 * Whether edits reach the others right now, and how many changes exist only on this device
 * (typed offline, or not yet stored by the server). While connected the count appears only if
 * storing takes unusually long, so that it does not flicker with every keystroke. Readers have
 * no changes of their own to count.
 */
export function ConnectionStatus({ snapshot, showPending }: { snapshot: CollabSnapshot; showPending: boolean }) {
  const { connection, pending } = snapshot;
  const kind = connection.kind;
  const slow = useTrueAfter(kind === "connected" && pending > 0, SLOW_SAVE_MS);
  const shown = showPending && pending > 0 && (kind !== "connected" || slow);
  return (
    <>
      <span className="inline-flex items-center gap-1.5 text-xs font-medium text-zinc-600 dark:text-zinc-400">
        <span aria-hidden="true" className={`size-2 rounded-full ${DOTS[kind]}`} />
        <span role="status">{LABELS[kind]}</span>
      </span>
      {shown ? (
        <span
          className="text-xs text-zinc-500 dark:text-zinc-400"
          title={kind === "connected" ? "Tandem is storing them on the server." : "They will be sent when Tandem reconnects."}
        >
          {pending === 1 ? "1 change" : `${pending.toLocaleString("en")} changes`} saved on this device
        </span>
      ) : null}
    </>
  );
}

/** True once `condition` has held for `ms` without a break; false as soon as it does not. */
function useTrueAfter(condition: boolean, ms: number): boolean {
  const [elapsed, setElapsed] = useState(false);
  useEffect(() => {
    if (!condition) return;
    const timer = window.setTimeout(() => setElapsed(true), ms);
    return () => {
      window.clearTimeout(timer);
      setElapsed(false);
    };
  }, [condition, ms]);
  return condition && elapsed;
}
