"use client";

import Link from "next/link";
import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { api, ApiError, errorMessage, oneLineTextProblem, TITLE_MAX, type DocumentSummary } from "@/app/lib/api";
import { canEdit } from "@/app/lib/roles";
import { formatAbsolute, formatRelative } from "@/app/lib/time";
import { Button, focusRing } from "./Button";
import { ErrorMessage } from "./ErrorMessage";
import { HereNow } from "./HereNow";
import { DocumentIcon, PencilIcon, TrashIcon } from "./icons";
import { RoleBadge } from "./RoleBadge";
import { Spinner } from "./Spinner";
import { inputClass } from "./TextField";

/**
 * One document in the home list: its title (a link), who has it open now, role, owner and last
 * update. Owners and editors can rename it in place (Enter saves, Escape cancels); owners can
 * ask to delete it.
 */
export function DocumentListItem({
  doc,
  now,
  currentUserId,
  onRenamed,
  onDelete,
  onUnauthorized,
}: {
  doc: DocumentSummary;
  now: number;
  currentUserId: string;
  onRenamed: (doc: DocumentSummary) => void;
  onDelete: (doc: DocumentSummary) => void;
  onUnauthorized: () => void;
}) {
  const titleId = useId();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(doc.title);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const renameButton = useRef<HTMLButtonElement>(null);

  const startEditing = () => {
    setDraft(doc.title);
    setError(null);
    setEditing(true);
  };

  const stopEditing = () => {
    setEditing(false);
    setError(null);
    // The Rename button is back after this render; give it focus again.
    requestAnimationFrame(() => renameButton.current?.focus());
  };

  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const title = draft.trim();
    if (!title) {
      setError("A title cannot be empty.");
      return;
    }
    const problem = oneLineTextProblem(title, { label: "A title", max: TITLE_MAX });
    if (problem) {
      setError(`${problem}.`);
      return;
    }
    if (title === doc.title) {
      stopEditing();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const updated = await api.renameDocument(doc.id, title);
      setBusy(false);
      onRenamed({ ...doc, title: updated.title, updatedAt: updated.updatedAt });
      stopEditing();
    } catch (e) {
      setBusy(false);
      if (e instanceof ApiError && e.unauthorized) onUnauthorized();
      setError(`Could not rename: ${errorMessage(e)}`);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Escape") {
      event.preventDefault();
      stopEditing();
    }
  };

  const ownerName = doc.owner.id === currentUserId ? "you" : doc.owner.name || "someone";

  return (
    <li className="group relative flex flex-col gap-3 px-4 py-3.5 sm:flex-row sm:items-center sm:px-5">
      <div className="flex min-w-0 flex-1 items-start gap-3">
        <span className="mt-0.5 flex size-9 shrink-0 items-center justify-center rounded-lg bg-indigo-50 text-indigo-600 dark:bg-indigo-500/10 dark:text-indigo-300">
          <DocumentIcon />
        </span>
        <div className="min-w-0 flex-1">
          {editing ? (
            <form onSubmit={(e) => void save(e)} className="flex flex-wrap items-center gap-2">
              <label htmlFor={`${titleId}-input`} className="sr-only">
                Document title
              </label>
              <input
                id={`${titleId}-input`}
                // Focus moves here because the person just pressed Rename.
                autoFocus
                value={draft}
                // No maxLength: it counts UTF-16 units, and a title of 200 emoji is 200 characters.
                required
                disabled={busy}
                onChange={(e) => setDraft(e.target.value)}
                onKeyDown={onKeyDown}
                onFocus={(e) => e.currentTarget.select()}
                className={`${inputClass} min-w-0 flex-1`}
              />
              <Button type="submit" variant="primary" size="sm" disabled={busy}>
                {busy ? <Spinner /> : null}
                Save
              </Button>
              <Button size="sm" variant="ghost" onClick={stopEditing} disabled={busy}>
                Cancel
              </Button>
            </form>
          ) : (
            <Link
              href={`/d/${doc.id}`}
              id={titleId}
              className={`inline-block max-w-full truncate rounded align-top font-medium text-zinc-900 hover:text-indigo-600 dark:text-zinc-100 dark:hover:text-indigo-300 ${focusRing}`}
            >
              {doc.title}
            </Link>
          )}
          <p className="mt-0.5 truncate text-sm text-zinc-500 dark:text-zinc-400">
            Owned by {ownerName} · Updated{" "}
            <time dateTime={doc.updatedAt} title={formatAbsolute(doc.updatedAt)}>
              {formatRelative(doc.updatedAt, now)}
            </time>
          </p>
          <ErrorMessage message={error} className="mt-2" />
        </div>
      </div>
      <div className="flex items-center gap-1 pl-12 sm:pl-0">
        <HereNow documentId={doc.id} currentUserId={currentUserId} className="mr-3" />
        <RoleBadge role={doc.role} />
        {canEdit(doc.role) && !editing ? (
          <Button ref={renameButton} size="sm" variant="ghost" onClick={startEditing} aria-describedby={titleId} className="ml-2">
            <PencilIcon />
            Rename
          </Button>
        ) : null}
        {doc.role === "owner" ? (
          <Button size="sm" variant="ghost" onClick={() => onDelete(doc)} aria-describedby={titleId} className="text-red-600 hover:bg-red-50 dark:text-red-400 dark:hover:bg-red-500/10">
            <TrashIcon />
            Delete
          </Button>
        ) : null}
      </div>
    </li>
  );
}
