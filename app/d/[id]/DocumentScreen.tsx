"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { AppHeader } from "@/app/components/AppHeader";
import { Button, focusRing } from "@/app/components/Button";
import { ArrowLeftIcon, EyeIcon, ShareIcon } from "@/app/components/icons";
import { RoleBadge } from "@/app/components/RoleBadge";
import type { DocumentDetail, Member, User } from "@/app/lib/api";
import { canEdit } from "@/app/lib/roles";
import { useCollabSession, useCollabSnapshot } from "./collab/useCollabSession";
import { ConnectionStatus } from "./ConnectionStatus";
import { DocumentBody } from "./DocumentBody";
import { DocumentTitle } from "./DocumentTitle";
import { PeopleStack } from "./PeopleStack";
import { ShareDialog } from "./ShareDialog";

/**
 * An open document: title with connection status, who is here, sharing, and the co-edited
 * content. `onChange` updates the document's details (title, members) held by the page.
 */
export function DocumentScreen({
  doc,
  me,
  onChange,
  onUnauthorized,
}: {
  doc: DocumentDetail;
  me: User;
  onChange: (change: (doc: DocumentDetail) => DocumentDetail) => void;
  onUnauthorized: () => void;
}) {
  const router = useRouter();
  const [sharing, setSharing] = useState(false);
  const user = { id: me.id, name: me.name, color: me.color };
  const session = useCollabSession(doc.id, user);
  const snapshot = useCollabSnapshot(session);
  const editable = canEdit(doc.role);
  const onMembersChanged = (members: Member[]) => onChange((d) => ({ ...d, members, role: members.find((m) => m.user.id === me.id)?.role ?? d.role }));

  return (
    <>
      <title>{`${doc.title} · Tandem`}</title>
      <AppHeader
        user={me}
        start={
          <Link
            href="/"
            className={`inline-flex items-center gap-1.5 rounded-lg px-2 py-1 text-sm font-medium text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100 ${focusRing}`}
          >
            <ArrowLeftIcon />
            <span>
              <span className="sr-only">Back to </span>Documents
            </span>
          </Link>
        }
      />
      <main className="mx-auto max-w-5xl px-4 py-8 sm:px-6">
        <div className="flex flex-col gap-4 sm:flex-row sm:items-start sm:justify-between">
          <div className="min-w-0 flex-1">
            <DocumentTitle
              documentId={doc.id}
              title={doc.title}
              editable={editable}
              onSaved={(title) => onChange((d) => ({ ...d, title }))}
              onUnauthorized={onUnauthorized}
            >
              <RoleBadge role={doc.role} />
              {editable ? null : (
                <span className="inline-flex items-center gap-1 rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800 ring-1 ring-amber-600/20 ring-inset dark:bg-amber-400/10 dark:text-amber-300 dark:ring-amber-400/30">
                  <EyeIcon />
                  Read only
                </span>
              )}
              <ConnectionStatus snapshot={snapshot} showPending={editable} />
            </DocumentTitle>
          </div>
          <div className="flex items-center gap-3">
            <PeopleStack members={doc.members} presence={snapshot.presence} />
            <Button variant={doc.role === "owner" ? "primary" : "secondary"} onClick={() => setSharing(true)}>
              <ShareIcon />
              Share
            </Button>
          </div>
        </div>

        <div className="mt-8">
          <DocumentBody session={session} connection={snapshot.connection} role={doc.role} user={user} members={doc.members} />
        </div>
      </main>

      <ShareDialog
        open={sharing}
        onClose={() => setSharing(false)}
        doc={doc}
        me={me}
        onChanged={onMembersChanged}
        onLeft={() => router.replace("/")}
        onUnauthorized={onUnauthorized}
      />
    </>
  );
}
