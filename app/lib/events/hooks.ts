"use client";

import { useCallback, useEffect, useSyncExternalStore } from "react";
import { eventStream, type PresenceUser, type StreamEvent } from "./stream";

/** Calls `listener` for every event of the browser's stream while mounted. */
export function useStreamEvents(listener: (event: StreamEvent) => void): void {
  useEffect(() => eventStream().subscribe(listener), [listener]);
}

const NO_USERS: PresenceUser[] = [];

/** Who is in the document right now, live. */
export function usePresence(documentId: string): PresenceUser[] {
  const subscribe = useCallback((changed: () => void) => eventStream().subscribe((event) => event.event === "presence" && changed()), []);
  // The stream keeps the same array until that document's presence changes, as React requires.
  const snapshot = useCallback(() => eventStream().presenceOf(documentId) ?? NO_USERS, [documentId]);
  return useSyncExternalStore(subscribe, snapshot, () => NO_USERS);
}
