import { Extension, type Extensions } from "@tiptap/core";
import Collaboration from "@tiptap/extension-collaboration";
import CollaborationCaret from "@tiptap/extension-collaboration-caret";
import { TaskItem, TaskList } from "@tiptap/extension-list";
import { Placeholder } from "@tiptap/extensions";
import StarterKit from "@tiptap/starter-kit";
import type { Member } from "@/app/lib/api";
import type { CollabSession } from "../collab/session";
import type { PresentUser } from "../collab/presence";
import { renderCaret, renderSelection } from "./caret";
import { isSafeHref } from "./link";
import { mentionExtensions } from "./mentionSuggestion";

/** The Y.XmlFragment the document's content lives in (docs/PROTOCOL.md). */
export const CONTENT_FIELD = "default";

/** Mod-K asks the toolbar to open its link editor. */
const LinkShortcut = Extension.create<{ onOpen: () => void }>({
  name: "linkShortcut",
  addOptions() {
    return { onOpen: () => {} };
  },
  addKeyboardShortcuts() {
    return {
      "Mod-k": () => {
        if (!this.editor.isEditable) return false;
        this.options.onOpen();
        return true;
      },
    };
  },
});

/**
 * The editor's extensions: StarterKit without its own history (Collaboration's undo only
 * undoes this person's changes), the shared content, everyone's carets, task lists, links and
 * @mentions of the document's members (`members` is read when needed, so it stays current).
 */
export function editorExtensions({
  session,
  user,
  editable,
  members,
  onOpenLink,
}: {
  session: CollabSession;
  user: PresentUser;
  editable: boolean;
  members: () => readonly Member[];
  onOpenLink: () => void;
}): Extensions {
  return [
    StarterKit.configure({
      undoRedo: false,
      link: {
        autolink: true,
        linkOnPaste: true,
        // Editors place the caret in links; readers follow them (new tab, from the link's attributes).
        openOnClick: !editable,
        defaultProtocol: "https",
        isAllowedUri: (url, { defaultValidate }) => defaultValidate(url) && isSafeHref(url),
      },
      // Appending a paragraph is a write; a reader's would be refused by the server anyway.
      ...(editable ? {} : { trailingNode: false as const }),
    }),
    TaskList,
    TaskItem.configure({ nested: true }),
    Placeholder.configure({ placeholder: editable ? "Start writing…" : "This document is empty.", showOnlyWhenEditable: false }),
    Collaboration.configure({ document: session.doc, field: CONTENT_FIELD }),
    CollaborationCaret.configure({
      provider: session.provider,
      user: { id: user.id, name: user.name, color: user.color },
      render: renderCaret,
      selectionRender: renderSelection,
    }),
    LinkShortcut.configure({ onOpen: onOpenLink }),
    ...mentionExtensions({ editable, members, selfId: user.id }),
  ];
}
