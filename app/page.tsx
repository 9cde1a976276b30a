"use client";

import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import { AppHeader } from "@/app/components/AppHeader";
import { Button } from "@/app/components/Button";
import { ConfirmDialog } from "@/app/components/ConfirmDialog";
import { DocumentListItem } from "@/app/components/DocumentListItem";
import { EmptyState } from "@/app/components/EmptyState";
import { ErrorMessage } from "@/app/components/ErrorMessage";
import { FullPageStatus } from "@/app/components/FullPageStatus";
import { PlusIcon } from "@/app/components/icons";
import { SearchBox } from "@/app/components/SearchBox";
import { Spinner } from "@/app/components/Spinner";
import { api, ApiError, errorMessage, isAbort, type DocumentSummary, type User } from "@/app/lib/api";
import { useStreamEvents } from "@/app/lib/events/hooks";
import type { DocumentChange, StreamEvent } from "@/app/lib/events/stream";
import { asRole } from "@/app/lib/roles";
import { useCurrentUser } from "@/app/lib/useCurrentUser";
import { useNow } from "@/app/lib/useNow";

const SEARCH_DEBOUNCE_MS = 250;

type ListState = { status: "loading" } | { status: "ready"; docs: DocumentSummary[]; query: string } | { status: "error"; message: string };

export default function HomePage() {
  const { state, retry, redirectToSignIn } = useCurrentUser();
  if (state.status === "loading") return <FullPageStatus title="Loading your documents…" loading />;
  if (state.status === "error") {
    return (
      <FullPageStatus title="Tandem could not load">
        <ErrorMessage message={state.message} />
        <Button variant="primary" onClick={retry}>
          Try again
        </Button>
      </FullPageStatus>
    );
  }
  return <Documents user={state.user} onUnauthorized={redirectToSignIn} />;
}

function Documents({ user, onUnauthorized }: { user: User; onUnauthorized: () => void }) {
  const router = useRouter();
  const now = useNow();
  const [query, setQuery] = useState("");
  const [debouncedQuery, setDebouncedQuery] = useState("");
  const [reloads, setReloads] = useState(0);
  const [list, setList] = useState<ListState>({ status: "loading" });
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState("");
  const [toDelete, setToDelete] = useState<DocumentSummary | null>(null);

  const fail = useCallback(
    (prefix: string, e: unknown) => {
      if (e instanceof ApiError && e.unauthorized) onUnauthorized();
      setError(`${prefix}: ${errorMessage(e)}`);
    },
    [onUnauthorized],
  );

  useEffect(() => {
    const timer = window.setTimeout(() => setDebouncedQuery(query.trim()), SEARCH_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [query]);

  useEffect(() => {
    const controller = new AbortController();
    api.listDocuments(debouncedQuery, controller.signal).then(
      (docs) => setList({ status: "ready", docs, query: debouncedQuery }),
      (e: unknown) => {
        if (isAbort(e)) return;
        if (e instanceof ApiError && e.unauthorized) onUnauthorized();
        setList({ status: "error", message: `Could not load your documents: ${errorMessage(e)}` });
      },
    );
    return () => controller.abort();
  }, [debouncedQuery, reloads, onUnauthorized]);

  // Others' changes, live: renames and role changes update the row, a deletion or lost access
  // removes it, new access brings the list again (without a loading flash).
  const listRef = useRef(list);
  useEffect(() => {
    listRef.current = list;
  }, [list]);
  const onStreamEvent = useCallback((event: StreamEvent) => {
    if (event.event !== "document") return;
    const change = event.data;
    if (change.type === "access-granted") {
      setReloads((n) => n + 1);
      return;
    }
    const shown = listRef.current.status === "ready" ? listRef.current.docs.find((d) => d.id === change.documentId) : undefined;
    if (!shown) return;
    const updated = applyChange(shown, change);
    setList((current) =>
      current.status !== "ready"
        ? current
        : { ...current, docs: updated ? current.docs.map((d) => (d.id === shown.id ? { ...d, title: updated.title, role: updated.role } : d)) : current.docs.filter((d) => d.id !== shown.id) },
    );
    if (!updated) {
      setNotice(change.type === "deleted" ? `“${shown.title}” was deleted.` : `You no longer have access to “${shown.title}”.`);
      setToDelete((pending) => (pending?.id === shown.id ? null : pending));
    }
  }, []);
  useStreamEvents(onStreamEvent);

  const reload = () => {
    setList({ status: "loading" });
    setReloads((n) => n + 1);
  };

  const createDocument = async () => {
    setCreating(true);
    setError(null);
    try {
      const doc = await api.createDocument();
      router.push(`/d/${doc.id}`);
    } catch (e) {
      setCreating(false);
      fail("Could not create a document", e);
    }
  };

  const onRenamed = (doc: DocumentSummary) => {
    setList((current) => (current.status === "ready" ? { ...current, docs: [doc, ...current.docs.filter((d) => d.id !== doc.id)] } : current));
    setNotice(`Renamed to “${doc.title}”.`);
  };

  const deleteDocument = async (doc: DocumentSummary) => {
    try {
      await api.deleteDocument(doc.id);
    } catch (e) {
      if (e instanceof ApiError && e.unauthorized) onUnauthorized();
      throw e;
    }
    setList((current) => (current.status === "ready" ? { ...current, docs: current.docs.filter((d) => d.id !== doc.id) } : current));
    setToDelete(null);
    setNotice(`Deleted “${doc.title}”.`);
  };

  const searching = list.status === "ready" && query.trim() !== list.query;

  return (
    <>
      <title>Your documents · Tandem</title>
      <AppHeader user={user} />
      <main className="mx-auto max-w-5xl px-4 py-8 sm:px-6">
        <div className="flex flex-wrap items-end justify-between gap-4">
          <div>
            <h1 className="text-2xl font-semibold tracking-tight">Documents</h1>
            <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">Everything you own or that was shared with you, most recent first.</p>
          </div>
        </div>

        <div className="mt-6 flex flex-col gap-3 sm:flex-row sm:items-center">
          <SearchBox value={query} onChange={setQuery} busy={searching} />
          <Button variant="primary" onClick={() => void createDocument()} disabled={creating}>
            {creating ? <Spinner /> : <PlusIcon />}
            New document
          </Button>
        </div>

        <ErrorMessage message={error} onDismiss={() => setError(null)} className="mt-4" />
        <p role="status" className="sr-only">
          {notice}
        </p>

        <div className="mt-6">
          {list.status === "loading" ? (
            <div className="flex items-center justify-center gap-2 py-16 text-sm text-zinc-500" aria-busy="true">
              <Spinner /> Loading…
            </div>
          ) : list.status === "error" ? (
            <div className="space-y-3">
              <ErrorMessage message={list.message} />
              <Button onClick={reload}>Try again</Button>
            </div>
          ) : list.docs.length === 0 ? (
            list.query ? (
              <EmptyState title="No matches" action={<Button onClick={() => setQuery("")}>Clear search</Button>}>
                No document title contains “{list.query}”.
              </EmptyState>
            ) : (
              <EmptyState title="No documents yet">Create one with New document, or ask a teammate to share one with you — it will show up here.</EmptyState>
            )
          ) : (
            <ul
              aria-label="Documents"
              className="divide-y divide-zinc-200 overflow-hidden rounded-2xl bg-white shadow-sm ring-1 ring-zinc-900/5 dark:divide-zinc-800 dark:bg-zinc-900 dark:ring-white/10"
            >
              {list.docs.map((doc) => (
                <DocumentListItem
                  key={doc.id}
                  doc={doc}
                  now={now}
                  currentUserId={user.id}
                  onRenamed={onRenamed}
                  onDelete={setToDelete}
                  onUnauthorized={onUnauthorized}
                />
              ))}
            </ul>
          )}
        </div>
      </main>

      <ConfirmDialog
        open={toDelete !== null}
        title={`Delete “${toDelete?.title ?? ""}”?`}
        description="It is deleted for everyone it is shared with. This cannot be undone."
        confirmLabel="Delete"
        onConfirm={() => (toDelete ? deleteDocument(toDelete) : Promise.resolve())}
        onClose={() => setToDelete(null)}
      />
    </>
  );
}

/** The row after a change, or null when it leaves the list. */
function applyChange(doc: DocumentSummary, change: Exclude<DocumentChange, { type: "access-granted" }>): DocumentSummary | null {
  switch (change.type) {
    case "renamed":
      return { ...doc, title: change.title };
    case "role-changed": {
      const role = asRole(change.role);
      return role ? { ...doc, role } : doc;
    }
    case "deleted":
    case "access-revoked":
      return null;
    default: {
      // A kind of change this page does not know (a newer server): leave the row as it is.
      const unknown: never = change;
      void unknown;
      return doc;
    }
  }
}
