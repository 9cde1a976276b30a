"use client";

import Link from "next/link";
import { useParams } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { Button, buttonClass } from "@/app/components/Button";
import { ErrorMessage } from "@/app/components/ErrorMessage";
import { FullPageStatus } from "@/app/components/FullPageStatus";
import { api, ApiError, errorMessage, isAbort, type DocumentDetail, type User } from "@/app/lib/api";
import { useCurrentUser } from "@/app/lib/useCurrentUser";
import { DocumentScreen } from "./DocumentScreen";

type DocState = { status: "loading" } | { status: "ready"; doc: DocumentDetail } | { status: "not-found" } | { status: "error"; message: string };

export default function DocumentPage() {
  const { id } = useParams<{ id: string }>();
  const { state, retry, redirectToSignIn } = useCurrentUser();
  if (state.status === "loading") return <FullPageStatus title="Opening the document…" loading />;
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
  return <DocumentView key={id} id={id} me={state.user} onUnauthorized={redirectToSignIn} />;
}

function DocumentView({ id, me, onUnauthorized }: { id: string; me: User; onUnauthorized: () => void }) {
  const [state, setState] = useState<DocState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    api.getDocument(id, controller.signal).then(
      (doc) => setState({ status: "ready", doc }),
      (e: unknown) => {
        if (isAbort(e)) return;
        if (e instanceof ApiError && e.unauthorized) onUnauthorized();
        // 400 is a malformed id: for the reader that is a document that does not exist either.
        else if (e instanceof ApiError && (e.status === 404 || e.status === 400)) setState({ status: "not-found" });
        else setState({ status: "error", message: errorMessage(e) });
      },
    );
    return () => controller.abort();
  }, [id, attempt, onUnauthorized]);

  const update = useCallback((change: (doc: DocumentDetail) => DocumentDetail) => {
    setState((current) => (current.status === "ready" ? { status: "ready", doc: change(current.doc) } : current));
  }, []);

  if (state.status === "loading") return <FullPageStatus title="Opening the document…" loading />;
  if (state.status === "not-found") {
    return (
      <FullPageStatus title="Document not found">
        <title>Document not found · Tandem</title>
        <p className="max-w-sm text-sm text-zinc-600 dark:text-zinc-400">It may have been deleted, or it has not been shared with you.</p>
        <Link href="/" className={buttonClass("primary")}>
          Back to your documents
        </Link>
      </FullPageStatus>
    );
  }
  if (state.status === "error") {
    return (
      <FullPageStatus title="The document could not load">
        <ErrorMessage message={state.message} />
        <div className="flex gap-2">
          <Link href="/" className={buttonClass()}>
            Back to your documents
          </Link>
          <Button
            variant="primary"
            onClick={() => {
              setState({ status: "loading" });
              setAttempt((n) => n + 1);
            }}
          >
            Try again
          </Button>
        </div>
      </FullPageStatus>
    );
  }

  return <DocumentScreen doc={state.doc} me={me} onChange={update} onUnauthorized={onUnauthorized} />;
}
