"use client";

import { useRouter } from "next/navigation";
import { useCallback } from "react";

/** The URL fragment that points at one mention in a document: `#mention-<mentionId>`. */
export const MENTION_HASH_PREFIX = "#mention-";

/**
 * Dispatched on `window` when the app opens a mention in the document already on screen (a
 * client-side hash change fires no `hashchange`); `detail` is the mention id.
 */
export const OPEN_MENTION_EVENT = "tandem:open-mention";

/** Where a mention lives: `/d/<documentId>#mention-<mentionId>`. */
export function mentionHref(documentId: string, mentionId: string): string {
  return `/d/${encodeURIComponent(documentId)}${MENTION_HASH_PREFIX}${encodeURIComponent(mentionId)}`;
}

/** The mention id in a location hash ("#mention-<id>"), else null. */
export function mentionIdFromHash(hash: string): string | null {
  if (!hash.startsWith(MENTION_HASH_PREFIX)) return null;
  const raw = hash.slice(MENTION_HASH_PREFIX.length);
  try {
    return raw ? decodeURIComponent(raw) : null;
  } catch {
    return null; // A malformed escape: not a mention we could find anyway.
  }
}

/**
 * Navigates to a mention. From another page that is a client-side navigation; on the document
 * already open, the URL's hash changes and `OPEN_MENTION_EVENT` tells the editor to go there.
 */
export function useOpenMention(): (documentId: string, mentionId: string) => void {
  const router = useRouter();
  return useCallback(
    (documentId: string, mentionId: string) => {
      const href = mentionHref(documentId, mentionId);
      const samePage = window.location.pathname === `/d/${encodeURIComponent(documentId)}`;
      router.push(href, { scroll: !samePage });
      if (samePage) window.dispatchEvent(new CustomEvent<string>(OPEN_MENTION_EVENT, { detail: mentionId }));
    },
    [router],
  );
}
