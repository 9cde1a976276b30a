"use client";

import type { ChainedCommands, Editor } from "@tiptap/core";
import { useEditorState } from "@tiptap/react";
import { useCallback, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { focusRing } from "@/app/components/Button";
import { LinkEditor } from "./LinkEditor";
import { formatShortcut, type Shortcut } from "./shortcuts";
import {
  BoldIcon,
  BulletListIcon,
  CodeBlockIcon,
  CodeIcon,
  Glyph,
  ItalicIcon,
  LinkIcon,
  OrderedListIcon,
  QuoteIcon,
  RedoIcon,
  StrikeIcon,
  TaskListIcon,
  UndoIcon,
} from "./ToolbarIcons";

interface Action {
  id: string;
  label: string;
  shortcut: Shortcut;
  icon: ReactNode;
  /** For toggles (marks and blocks): shown pressed while the selection has it. */
  isActive?: (editor: Editor) => boolean;
  canRun: (editor: Editor) => boolean;
  run: (chain: ChainedCommands) => ChainedCommands;
}

const GROUPS: Action[][] = [
  [
    { id: "bold", label: "Bold", shortcut: ["Mod", "B"], icon: <BoldIcon />, isActive: (e) => e.isActive("bold"), canRun: (e) => e.can().toggleBold(), run: (c) => c.toggleBold() },
    { id: "italic", label: "Italic", shortcut: ["Mod", "I"], icon: <ItalicIcon />, isActive: (e) => e.isActive("italic"), canRun: (e) => e.can().toggleItalic(), run: (c) => c.toggleItalic() },
    { id: "strike", label: "Strikethrough", shortcut: ["Mod", "Shift", "S"], icon: <StrikeIcon />, isActive: (e) => e.isActive("strike"), canRun: (e) => e.can().toggleStrike(), run: (c) => c.toggleStrike() },
    { id: "code", label: "Inline code", shortcut: ["Mod", "E"], icon: <CodeIcon />, isActive: (e) => e.isActive("code"), canRun: (e) => e.can().toggleCode(), run: (c) => c.toggleCode() },
  ],
  ([1, 2, 3] as const).map((level) => ({
    id: `h${level}`,
    label: `Heading ${level}`,
    shortcut: ["Mod", "Alt", String(level)],
    icon: <Glyph>H{level}</Glyph>,
    isActive: (e: Editor) => e.isActive("heading", { level }),
    canRun: (e: Editor) => e.can().toggleHeading({ level }),
    run: (c: ChainedCommands) => c.toggleHeading({ level }),
  })),
  [
    { id: "bullets", label: "Bulleted list", shortcut: ["Mod", "Shift", "8"], icon: <BulletListIcon />, isActive: (e) => e.isActive("bulletList"), canRun: (e) => e.can().toggleBulletList(), run: (c) => c.toggleBulletList() },
    { id: "numbers", label: "Numbered list", shortcut: ["Mod", "Shift", "7"], icon: <OrderedListIcon />, isActive: (e) => e.isActive("orderedList"), canRun: (e) => e.can().toggleOrderedList(), run: (c) => c.toggleOrderedList() },
    { id: "tasks", label: "Task list", shortcut: ["Mod", "Shift", "9"], icon: <TaskListIcon />, isActive: (e) => e.isActive("taskList"), canRun: (e) => e.can().toggleTaskList(), run: (c) => c.toggleTaskList() },
  ],
  [
    { id: "quote", label: "Quote", shortcut: ["Mod", "Shift", "B"], icon: <QuoteIcon />, isActive: (e) => e.isActive("blockquote"), canRun: (e) => e.can().toggleBlockquote(), run: (c) => c.toggleBlockquote() },
    { id: "codeBlock", label: "Code block", shortcut: ["Mod", "Alt", "C"], icon: <CodeBlockIcon />, isActive: (e) => e.isActive("codeBlock"), canRun: (e) => e.can().toggleCodeBlock(), run: (c) => c.toggleCodeBlock() },
  ],
];

const HISTORY: Action[] = [
  { id: "undo", label: "Undo", shortcut: ["Mod", "Z"], icon: <UndoIcon />, canRun: (e) => e.can().undo(), run: (c) => c.undo() },
  { id: "redo", label: "Redo", shortcut: ["Mod", "Shift", "Z"], icon: <RedoIcon />, canRun: (e) => e.can().redo(), run: (c) => c.redo() },
];

const LINK: Action = { id: "link", label: "Link", shortcut: ["Mod", "K"], icon: <LinkIcon />, canRun: () => true, run: (c) => c };

/** Each button's place in the toolbar's arrow-key order. */
const POSITION = new Map([...GROUPS.flat(), LINK, ...HISTORY].map((action, i) => [action.id, i]));

/**
 * The formatting toolbar: one tab stop, arrow keys move between buttons (WAI-ARIA toolbar).
 * Buttons keep the editor's selection (they never take focus on click) and show their
 * shortcut in the tooltip. `linkOpen` is shared with Mod-K in the editor.
 */
export function Toolbar({ editor, linkOpen, onLinkOpenChange }: { editor: Editor; linkOpen: boolean; onLinkOpenChange: (open: boolean) => void }) {
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);
  const [focusIndex, setFocusIndex] = useState(0);
  const state = useEditorState({
    editor,
    selector: ({ editor: e }) => {
      const actions = [...GROUPS.flat(), LINK, ...HISTORY];
      return {
        active: Object.fromEntries(actions.map((a) => [a.id, a.isActive?.(e) ?? false])),
        enabled: Object.fromEntries(actions.map((a) => [a.id, e.isEditable && a.canRun(e)])),
        link: e.isActive("link"),
        editable: e.isEditable,
      };
    },
  });

  const linkButton = useCallback(() => buttons.current[POSITION.get(LINK.id) ?? -1] ?? null, []);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const all = buttons.current.filter((b): b is HTMLButtonElement => b !== null);
    const current = all.findIndex((b) => b === document.activeElement);
    if (current < 0) return;
    const next = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: all.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const index = (next + all.length) % all.length;
    all[index]?.focus();
    setFocusIndex(index);
  };

  const button = (action: Action, extra?: { highlighted: boolean; expanded: boolean; onClick: () => void }) => {
    const position = POSITION.get(action.id) ?? 0;
    const pressed = action.isActive ? (state.active[action.id] ?? false) : undefined;
    return (
      <ToolbarButton
        key={action.id}
        ref={(el) => {
          buttons.current[position] = el;
        }}
        label={action.label}
        shortcut={action.shortcut}
        pressed={pressed}
        highlighted={extra?.highlighted ?? pressed ?? false}
        expanded={extra?.expanded}
        disabled={!(state.enabled[action.id] ?? false)}
        tabIndex={position === focusIndex ? 0 : -1}
        onFocus={() => setFocusIndex(position)}
        onClick={extra?.onClick ?? (() => action.run(editor.chain().focus()).run())}
      >
        {action.icon}
      </ToolbarButton>
    );
  };

  return (
    <div className="relative">
      <div role="toolbar" aria-label="Formatting" aria-orientation="horizontal" onKeyDown={onKeyDown} className="flex flex-wrap items-center gap-0.5">
        {GROUPS.map((group, i) => (
          <Group key={i}>{group.map((action) => button(action))}</Group>
        ))}
        <Group>{button(LINK, { highlighted: state.link || linkOpen, expanded: linkOpen, onClick: () => onLinkOpenChange(!linkOpen) })}</Group>
        <Group last>{HISTORY.map((action) => button(action))}</Group>
      </div>
      {linkOpen ? <LinkEditor editor={editor} anchor={linkButton} onClose={() => onLinkOpenChange(false)} /> : null}
    </div>
  );
}

function Group({ children, last = false }: { children: ReactNode; last?: boolean }) {
  return <div className={`flex items-center gap-0.5 ${last ? "" : "border-r border-zinc-200 pr-1 mr-0.5 dark:border-zinc-700/70"}`}>{children}</div>;
}

function ToolbarButton({
  ref,
  label,
  shortcut,
  pressed,
  highlighted,
  expanded,
  disabled,
  tabIndex,
  onFocus,
  onClick,
  children,
}: {
  ref: (el: HTMLButtonElement | null) => void;
  label: string;
  shortcut: Shortcut;
  /** aria-pressed, for toggles only. */
  pressed: boolean | undefined;
  highlighted: boolean;
  expanded: boolean | undefined;
  disabled: boolean;
  tabIndex: number;
  onFocus: () => void;
  onClick: () => void;
  children: ReactNode;
}) {
  const keys = formatShortcut(shortcut);
  return (
    <button
      ref={ref}
      type="button"
      aria-label={label}
      aria-pressed={pressed}
      aria-expanded={expanded}
      aria-haspopup={expanded === undefined ? undefined : "dialog"}
      aria-keyshortcuts={keys.aria}
      title={`${label} (${keys.display})`}
      disabled={disabled}
      tabIndex={tabIndex}
      onFocus={onFocus}
      // Keep the editor's selection: the command runs on what the person selected.
      onMouseDown={(e) => e.preventDefault()}
      onClick={onClick}
      className={`inline-flex size-8 items-center justify-center rounded-md text-zinc-600 transition-colors hover:bg-zinc-100 hover:text-zinc-900 disabled:cursor-not-allowed disabled:opacity-40 disabled:hover:bg-transparent dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100 ${
        highlighted ? "bg-indigo-50 text-indigo-700 hover:bg-indigo-100 hover:text-indigo-800 dark:bg-indigo-500/15 dark:text-indigo-300 dark:hover:bg-indigo-500/25 dark:hover:text-indigo-200" : ""
      } ${focusRing}`}
    >
      {children}
    </button>
  );
}
