"use client";

import { useEffect, useState, useSyncExternalStore } from "react";
import { api, ApiError } from "@/app/lib/api";
import { localSavedStateStore } from "./pending";
import type { PresentUser } from "./presence";
import { CollabSession, type AccessCheck, type CollabSnapshot } from "./session";

/**
 * Opens the document's co-editing session for as long as the component is mounted. Null until
 * the local copy has loaded, so the editor never shows an empty document that then fills in.
 */
export function useCollabSession(documentId: string, user: PresentUser): CollabSession | null {
  const { id: userId, name, color } = user;
  const key = [documentId, userId, name, color].join("\n");
  const [opened, setOpened] = useState<{ key: string; session: CollabSession } | null>(null);

  useEffect(() => {
    const session = new CollabSession({
      documentId,
      user: { id: userId, name, color },
      serverUrl: `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/collab`,
      savedState: localSavedStateStore(documentId),
      checkAccess: () => checkAccess(documentId),
    });
    let active = true;
    void session.whenLoaded.then(() => {
      if (active) setOpened({ key, session });
    });
    return () => {
      active = false;
      session.destroy();
    };
  }, [documentId, userId, name, color, key]);

  return opened?.key === key ? opened.session : null;
}

const LOADING_SNAPSHOT: CollabSnapshot = { connection: { kind: "connecting" }, pending: 0, presence: [] };
const noop = () => () => {};

/** The session's connection state, pending count and presence; re-renders when they change. */
export function useCollabSnapshot(session: CollabSession | null): CollabSnapshot {
  return useSyncExternalStore(session?.subscribe ?? noop, session?.getSnapshot ?? (() => LOADING_SNAPSHOT), () => LOADING_SNAPSHOT);
}

async function checkAccess(documentId: string): Promise<AccessCheck> {
  try {
    await api.getDocument(documentId);
    return "ok";
  } catch (error) {
    if (error instanceof ApiError && error.unauthorized) return "unauthorized";
    if (error instanceof ApiError && error.status === 404) return "gone";
    return "unknown";
  }
}
