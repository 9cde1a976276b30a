"use client";

import type { Member, Role } from "@/app/lib/api";
import { canEdit } from "@/app/lib/roles";
import { ClosedNotice } from "./ClosedNotice";
import type { PresentUser } from "./collab/presence";
import type { CollabSession, ConnectionState } from "./collab/session";
import { CollaborativeEditor, EditorSkeleton } from "./editor/CollaborativeEditor";

/**
 * The document's content. Owners and editors write; viewers read. While the local copy opens
 * (`session` null) a skeleton holds the place; once syncing has stopped for good the content
 * stays readable under the explanation, no longer editable.
 */
export function DocumentBody({
  session,
  connection,
  role,
  user,
  members,
}: {
  session: CollabSession | null;
  connection: ConnectionState;
  role: Role;
  user: PresentUser;
  members: readonly Member[];
}) {
  const closed = connection.kind === "closed";
  return (
    <section
      aria-label="Document"
      className="min-h-[50vh] rounded-2xl bg-white px-4 pb-6 shadow-sm ring-1 ring-zinc-900/5 sm:px-8 sm:pb-10 dark:bg-zinc-900 dark:ring-white/10"
    >
      {connection.kind === "closed" ? <ClosedNotice reason={connection.reason} /> : null}
      {session ? (
        <CollaborativeEditor session={session} user={user} editable={canEdit(role) && !closed} members={members} />
      ) : (
        <div className="mx-auto max-w-[72ch] pt-6">
          <EditorSkeleton />
        </div>
      )}
    </section>
  );
}
