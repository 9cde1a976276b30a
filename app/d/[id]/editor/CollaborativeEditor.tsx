"use client";

import { EditorContent, useEditor } from "@tiptap/react";
import { useEffect, useState } from "react";
import type { Member } from "@/app/lib/api";
import type { PresentUser } from "../collab/presence";
import type { CollabSession } from "../collab/session";
import { useCollabSnapshot } from "../collab/useCollabSession";
import { editorExtensions } from "./extensions";
import { MembersSource } from "./mention";
import { useMentionTarget } from "./mentionTarget";
import { Toolbar } from "./Toolbar";
import "./editor.css";

/**
 * The document's rich-text editor, bound to the session's Y.Doc. Readers get the same view
 * without toolbar and with `contenteditable="false"`. Editors can @mention `members`; a
 * `#mention-<id>` in the URL is scrolled to and highlighted once the content is synced.
 */
export function CollaborativeEditor({ session, user, editable, members }: { session: CollabSession; user: PresentUser; editable: boolean; members: readonly Member[] }) {
  const [linkOpen, setLinkOpen] = useState(false);
  // The autocomplete reads the members at each "@"; sharing changes them without a new editor.
  const [membersSource] = useState(() => new MembersSource(members));
  useEffect(() => membersSource.set(members), [membersSource, members]);

  const editor = useEditor(
    {
      immediatelyRender: false,
      editable,
      extensions: editorExtensions({ session, user, editable, members: membersSource.get, onOpenLink: () => setLinkOpen(true) }),
      editorProps: {
        attributes: {
          class: "tandem-prose",
          role: "textbox",
          "aria-multiline": "true",
          "aria-label": "Document content",
          ...(editable ? {} : { "aria-readonly": "true" }),
        },
      },
    },
    // A new session or role needs new extensions; the name and colour only change with the session.
    [session, editable],
  );
  // Offline or closed, the local copy is all there is: go to the mention in it.
  useMentionTarget(editor, useCollabSnapshot(session).connection.kind !== "connecting");

  return (
    <div className="flex flex-col">
      {editable && editor ? (
        <div className="sticky top-14 z-[5] -mx-4 rounded-t-2xl border-b border-zinc-200 bg-white/95 px-2 py-1.5 backdrop-blur sm:-mx-8 sm:px-6 dark:border-zinc-800 dark:bg-zinc-900/95">
          <div className="mx-auto max-w-[72ch]">
            <Toolbar editor={editor} linkOpen={linkOpen} onLinkOpenChange={setLinkOpen} />
          </div>
        </div>
      ) : null}
      <div className="mx-auto w-full max-w-[72ch] pt-6">{editor ? <EditorContent editor={editor} /> : <EditorSkeleton />}</div>
    </div>
  );
}

/** Shown for the moment before the editor mounts (it is created after the first render). */
export function EditorSkeleton() {
  return (
    <div aria-hidden="true" className="flex animate-pulse flex-col gap-3 py-2">
      <div className="h-4 w-3/4 rounded bg-zinc-200 dark:bg-zinc-800" />
      <div className="h-4 w-5/6 rounded bg-zinc-200 dark:bg-zinc-800" />
      <div className="h-4 w-2/3 rounded bg-zinc-200 dark:bg-zinc-800" />
    </div>
  );
}
