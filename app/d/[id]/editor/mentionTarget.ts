"use client";

import { Extension, type Editor } from "@tiptap/core";
import type { Node as PmNode } from "@tiptap/pm/model";
import { Plugin, PluginKey } from "@tiptap/pm/state";
import { Decoration, DecorationSet } from "@tiptap/pm/view";
import { useEffect, useRef } from "react";
import { mentionIdFromHash, OPEN_MENTION_EVENT } from "@/app/lib/mentionLink";

/** How long a mention opened from a link stays highlighted (the CSS animation's length). */
export const HIGHLIGHT_MS = 2_400;

const highlightKey = new PluginKey<string | null>("mentionHighlight");

/** Where the mention with `mentionId` is, or null if the document has none. */
export function findMention(doc: PmNode, mentionId: string): { from: number; to: number } | null {
  let found: { from: number; to: number } | null = null;
  doc.descendants((node, pos) => {
    if (found) return false;
    if (node.type.name === "mention" && node.attrs.mentionId === mentionId) {
      found = { from: pos, to: pos + node.nodeSize };
      return false;
    }
    return true;
  });
  return found;
}

/**
 * Highlights one mention (class `mention-highlight`) as a decoration, so the highlight survives
 * the chip being redrawn by a remote change. Set and cleared with a `mentionHighlight` meta.
 */
export const MentionHighlight = Extension.create({
  name: "mentionHighlight",
  addProseMirrorPlugins() {
    return [
      new Plugin<string | null>({
        key: highlightKey,
        state: {
          init: () => null,
          apply: (tr, value) => {
            const meta: unknown = tr.getMeta(highlightKey);
            return meta === undefined ? value : typeof meta === "string" ? meta : null;
          },
        },
        props: {
          decorations: (state) => {
            const mentionId = highlightKey.getState(state);
            const at = mentionId ? findMention(state.doc, mentionId) : null;
            return at ? DecorationSet.create(state.doc, [Decoration.node(at.from, at.to, { class: "mention-highlight" })]) : null;
          },
        },
      }),
    ];
  },
});

/**
 * Opens the mention the URL points at (`#mention-<mentionId>` on arrival, a later `hashchange`
 * or `OPEN_MENTION_EVENT`): once the content is synced with the server, it scrolls the mention
 * into view and highlights it briefly. A mention not there yet is revealed when it arrives
 * during this visit; each request is served once (a reconnection does not scroll again).
 */
export function useMentionTarget(editor: Editor | null, synced: boolean): void {
  // The mention still to reveal; undefined until the URL's hash has been read.
  const target = useRef<string | null | undefined>(undefined);
  // Ends the highlight; harmless after unmount (the editor is destroyed then).
  const clear = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    if (!editor) return;
    if (target.current === undefined) target.current = mentionIdFromHash(window.location.hash);

    const reveal = () => {
      const mentionId = target.current;
      if (!synced || !mentionId || editor.isDestroyed) return;
      const at = findMention(editor.state.doc, mentionId);
      if (!at) return;
      target.current = null;
      editor.view.dispatch(editor.state.tr.setMeta(highlightKey, mentionId));
      const element = editor.view.nodeDOM(at.from);
      if (element instanceof HTMLElement) {
        const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
        // Centred, so that the sticky header and toolbar never cover it.
        element.scrollIntoView({ block: "center", behavior: smooth ? "smooth" : "auto" });
      }
      clearTimeout(clear.current);
      clear.current = setTimeout(() => {
        if (!editor.isDestroyed) editor.view.dispatch(editor.state.tr.setMeta(highlightKey, null));
      }, HIGHLIGHT_MS);
    };
    const onHashChange = () => {
      target.current = mentionIdFromHash(window.location.hash);
      reveal();
    };
    const onOpen = (event: Event) => {
      target.current = event instanceof CustomEvent && typeof event.detail === "string" ? event.detail : null;
      reveal();
    };

    reveal();
    editor.on("update", reveal);
    window.addEventListener("hashchange", onHashChange);
    window.addEventListener(OPEN_MENTION_EVENT, onOpen);
    return () => {
      editor.off("update", reveal);
      window.removeEventListener("hashchange", onHashChange);
      window.removeEventListener(OPEN_MENTION_EVENT, onOpen);
    };
  }, [editor, synced]);
}
