"use client";

import Link from "next/link";
import { buttonClass } from "@/app/components/Button";
import { signInPath } from "@/app/lib/api";
import type { ClosedReason } from "./collab/session";

const COPY: Record<ClosedReason, { title: string; detail: string; action: "sign-in" | "home" | "reload" }> = {
  unauthorized: {
    title: "Signed out — sign in again",
    detail: "Changes you made here are kept on this device and sent once you are signed in.",
    action: "sign-in",
  },
  forbidden: { title: "Your access to this document was removed", detail: "Ask its owner to share it with you again.", action: "home" },
  deleted: { title: "This document was deleted", detail: "Its owner deleted it; it can no longer be edited.", action: "home" },
  gone: { title: "This document is no longer available", detail: "It was deleted, or your access to it was removed.", action: "home" },
  "too-big": {
    title: "A change was too large to send",
    detail: "Tandem stopped syncing this page. Reload to continue; split very large pastes into parts.",
    action: "reload",
  },
  "document-full": {
    title: "This document is full",
    detail: "It reached its size limit, so your last change was not saved on the server (it is kept on this device). Copy what you need into a new document.",
    action: "home",
  },
  rejected: { title: "Tandem could not accept a change from this page", detail: "Syncing stopped. Reload the page to continue.", action: "reload" },
};

/** Why co-editing stopped for good, and the one thing to do about it. */
export function ClosedNotice({ reason }: { reason: ClosedReason }) {
  const { title, detail, action } = COPY[reason];
  return (
    <div role="alert" className="mt-4 mb-2 flex flex-col gap-3 rounded-xl bg-red-50 p-4 ring-1 ring-red-600/15 ring-inset sm:flex-row sm:items-center sm:justify-between dark:bg-red-500/10 dark:ring-red-400/25">
      <div>
        <p className="text-sm font-semibold text-red-900 dark:text-red-200">{title}</p>
        <p className="mt-0.5 text-sm text-red-800/90 dark:text-red-300/90">{detail}</p>
      </div>
      {action === "sign-in" ? (
        <Link href={signInPath(window.location.pathname)} className={`${buttonClass("primary", "sm")} shrink-0`}>
          Sign in
        </Link>
      ) : action === "home" ? (
        <Link href="/" className={`${buttonClass("secondary", "sm")} shrink-0`}>
          Back to your documents
        </Link>
      ) : (
        <button type="button" onClick={() => window.location.reload()} className={`${buttonClass("secondary", "sm")} shrink-0`}>
          Reload
        </button>
      )}
    </div>
  );
}
