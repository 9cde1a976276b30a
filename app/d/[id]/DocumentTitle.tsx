"use client";

import { useEffect, useId, useState, type ReactNode } from "react";
import { ErrorMessage } from "@/app/components/ErrorMessage";
import { api, ApiError, errorMessage, oneLineTextProblem, TITLE_MAX } from "@/app/lib/api";

/**
 * The document's title as its page heading. Owners and editors edit it in place: Enter or
 * leaving the field saves, Escape puts back the saved title. Viewers get plain text. `children`
 * is the line under the title (badges); the save status is shown at its end.
 */
export function DocumentTitle({
  documentId,
  title,
  editable,
  onSaved,
  onUnauthorized,
  children,
}: {
  documentId: string;
  title: string;
  editable: boolean;
  onSaved: (title: string) => void;
  onUnauthorized: () => void;
  children?: ReactNode;
}) {
  const id = useId();
  const [draft, setDraft] = useState(title);
  const [status, setStatus] = useState<"idle" | "saving" | "saved">("idle");
  const [error, setError] = useState<string | null>(null);

  // A title saved elsewhere (another tab, a reload) replaces the draft unless one is being typed.
  const [shown, setShown] = useState(title);
  if (title !== shown) {
    setShown(title);
    setDraft(title);
  }

  useEffect(() => {
    if (status !== "saved") return;
    const timer = window.setTimeout(() => setStatus("idle"), 2000);
    return () => window.clearTimeout(timer);
  }, [status]);

  const meta = (
    <div className="mt-2 flex flex-wrap items-center gap-2 text-sm text-zinc-500 dark:text-zinc-400">
      {children}
      <p role="status" className="text-xs">
        {status === "saving" ? "Saving…" : status === "saved" ? "Saved" : ""}
      </p>
    </div>
  );

  if (!editable) {
    return (
      <div className="min-w-0 flex-1">
        <h1 className="text-2xl font-semibold tracking-tight break-words sm:text-3xl">{title}</h1>
        {meta}
      </div>
    );
  }

  const save = async () => {
    const next = draft.trim();
    if (next === title) {
      setDraft(title);
      return;
    }
    if (!next) {
      setDraft(title);
      setError("A title cannot be empty; the previous one is kept.");
      return;
    }
    const problem = oneLineTextProblem(next, { label: "A title", max: TITLE_MAX });
    if (problem) {
      setError(`${problem}.`);
      return;
    }
    setStatus("saving");
    setError(null);
    try {
      const updated = await api.renameDocument(documentId, next);
      setStatus("saved");
      onSaved(updated.title);
    } catch (e) {
      setStatus("idle");
      if (e instanceof ApiError && e.unauthorized) onUnauthorized();
      setError(`Could not rename: ${errorMessage(e)}`);
    }
  };

  return (
    <div className="min-w-0 flex-1">
      <h1>
        <label htmlFor={id} className="sr-only">
          Document title
        </label>
        {/* A textarea so long titles wrap; Enter saves instead of adding a line. No maxLength:
            it counts UTF-16 units, and the limit is in characters (checked on save). */}
        <textarea
          id={id}
          rows={1}
          value={draft}
          disabled={status === "saving"}
          onChange={(e) => setDraft(e.target.value.replace(/[\r\n]+/g, " "))}
          onBlur={() => void save()}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              e.currentTarget.blur();
            } else if (e.key === "Escape") {
              e.preventDefault();
              setDraft(title);
              setError(null);
              // Blur after the reset so saving sees the unchanged title.
              const input = e.currentTarget;
              requestAnimationFrame(() => input.blur());
            }
          }}
          className="-mx-2 block w-[calc(100%+1rem)] min-w-0 resize-none overflow-hidden rounded-lg field-sizing-content bg-transparent px-2 py-1 text-2xl font-semibold tracking-tight text-zinc-900 hover:bg-zinc-100 focus:bg-white focus:ring-2 focus:ring-indigo-500 focus:outline-none disabled:opacity-70 sm:text-3xl dark:text-zinc-50 dark:hover:bg-zinc-800/60 dark:focus:bg-zinc-900"
        />
      </h1>
      {meta}
      <ErrorMessage message={error} onDismiss={() => setError(null)} className="mt-1" />
    </div>
  );
}
