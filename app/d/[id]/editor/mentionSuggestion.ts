import { mergeAttributes, type Extensions } from "@tiptap/core";
import type { EditorView } from "@tiptap/pm/view";
import { ReactRenderer } from "@tiptap/react";
import type { SuggestionOptions, SuggestionProps } from "@tiptap/suggestion";
import type { Member } from "@/app/lib/api";
import { matchMembers, TandemMention, type MentionAttrs, type MentionCandidate } from "./mention";
import { MentionList, type MentionListHandle, type MentionListProps } from "./MentionList";
import { MentionHighlight } from "./mentionTarget";

const HEX_COLOR = /^#[0-9a-f]{6}$/i;

/**
 * Mentions: a chip in the mentioned member's colour (the accent for someone no longer a member)
 * and, for people who can edit, an "@" autocomplete of the document's members. `members` is read
 * at each keystroke, so people added while the document is open can be mentioned at once.
 */
export function mentionExtensions({ editable, members, selfId }: { editable: boolean; members: () => readonly Member[]; selfId: string }): Extensions {
  const suggestion: Omit<SuggestionOptions<MentionCandidate, MentionAttrs>, "editor"> = editable
    ? {
        char: "@",
        // Names have spaces ("@Ada Lo"); past a space the popup stays only while someone matches,
        // so "@Ada is late" goes back to plain typing.
        allowSpaces: true,
        shouldShow: ({ query }) => !/\s/.test(query) || matchMembers(members(), query, selfId).length > 0,
        items: ({ query }) => matchMembers(members(), query, selfId),
        // Tiptap's own rule (where a mention may go), and only while the editor takes input.
        allow: ({ editor, state, range }) => {
          const type = state.schema.nodes.mention;
          return editor.isEditable && type !== undefined && state.doc.resolve(range.from).parent.type.contentMatch.matchType(type) !== null;
        },
        render: renderSuggestions,
      }
    : { char: "@", allow: () => false };
  return [
    TandemMention.configure({
      HTMLAttributes: { class: "mention" },
      renderHTML: ({ options, node }) => {
        const color = members().find((m) => m.user.id === node.attrs.id)?.user.color;
        const style = color && HEX_COLOR.test(color) ? { style: `--mention-color: ${color}` } : {};
        return ["span", mergeAttributes(options.HTMLAttributes, style), `@${String(node.attrs.label ?? node.attrs.id ?? "")}`];
      },
      suggestion,
    }),
    MentionHighlight,
  ];
}

/** The suggestion popup: a React listbox, placed by Tiptap's floating-ui `mount` under the "@". */
function renderSuggestions(): ReturnType<NonNullable<SuggestionOptions<MentionCandidate, MentionAttrs>["render"]>> {
  let renderer: ReactRenderer<MentionListHandle, MentionListProps> | null = null;
  let unmount: (() => void) | null = null;
  const listProps = (props: SuggestionProps<MentionCandidate, MentionAttrs>): MentionListProps => ({
    items: props.items,
    query: props.query,
    loading: props.loading,
    command: props.command,
    editorDom: props.editor.view.dom,
  });
  const stop = (view: EditorView) => {
    unmount?.();
    renderer?.destroy();
    renderer = null;
    unmount = null;
    view.dom.removeAttribute("aria-activedescendant");
    view.dom.removeAttribute("aria-controls");
  };
  return {
    onStart: (props) => {
      renderer = new ReactRenderer(MentionList, { editor: props.editor, props: listProps(props), className: "z-40" });
      unmount = props.mount(renderer.element);
    },
    onUpdate: (props) => renderer?.updateProps(listProps(props)),
    // Escape is the plugin's: it closes the popup (onExit).
    onKeyDown: ({ event }) => (event.key === "Escape" ? false : (renderer?.ref?.onKeyDown(event) ?? false)),
    onExit: (props) => stop(props.editor.view),
  };
}
