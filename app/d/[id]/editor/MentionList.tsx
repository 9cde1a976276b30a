"use client";

import { useEffect, useId, useImperativeHandle, useRef, useState, type Ref } from "react";
import { Avatar } from "@/app/components/Avatar";
import { newMentionId, type MentionAttrs, type MentionCandidate } from "./mention";

export interface MentionListHandle {
  /** The editor's keydown while the popup is open; true when the list used the key. */
  onKeyDown: (event: KeyboardEvent) => boolean;
}

export interface MentionListProps {
  items: MentionCandidate[];
  query: string;
  loading: boolean;
  command: (attrs: MentionAttrs) => void;
  /** The editor's element: it names the list and the active option while the popup is open. */
  editorDom: HTMLElement;
  ref?: Ref<MentionListHandle>;
}

/**
 * The "@" autocomplete: a listbox of members with avatar, name and email. Focus stays in the
 * editor, which points at the active option (`aria-activedescendant`); ArrowUp/ArrowDown move
 * (wrapping), Enter or Tab choose, Escape closes, a click chooses.
 */
export function MentionList({ items, query, loading, command, editorDom, ref }: MentionListProps) {
  const listId = useId();
  const [selected, setSelected] = useState(0);
  // Keys can come faster than React renders: the handler reads the latest choice from here.
  const selectedRef = useRef(0);
  const [shownItems, setShownItems] = useState(items);
  if (shownItems !== items) {
    // A new query: start again from the best match.
    setShownItems(items);
    setSelected(0);
  }
  useEffect(() => {
    selectedRef.current = selected;
  }, [selected]);

  const select = (index: number) => {
    selectedRef.current = index;
    setSelected(index);
  };

  useImperativeHandle(
    ref,
    () => ({
      onKeyDown: (event) => {
        if (items.length === 0) return false;
        const current = Math.min(selectedRef.current, items.length - 1);
        const move = (index: number) => {
          selectedRef.current = index;
          setSelected(index);
        };
        switch (event.key) {
          case "ArrowDown":
            move((current + 1) % items.length);
            return true;
          case "ArrowUp":
            move((current - 1 + items.length) % items.length);
            return true;
          case "Enter":
          case "Tab": {
            const item = items[current];
            if (item) command(mentionOf(item));
            return true;
          }
          default:
            return false;
        }
      },
    }),
    [items, command],
  );

  const optionId = (index: number) => `${listId}-option-${index}`;
  const activeId = items.length > 0 ? optionId(Math.min(selected, items.length - 1)) : null;
  useEffect(() => {
    if (activeId === null) {
      editorDom.removeAttribute("aria-controls");
      editorDom.removeAttribute("aria-activedescendant");
      return;
    }
    editorDom.setAttribute("aria-controls", listId);
    editorDom.setAttribute("aria-activedescendant", activeId);
  }, [editorDom, listId, activeId]);

  return (
    <div className="w-72 max-w-[calc(100vw-2rem)] overflow-hidden rounded-xl bg-white p-1 text-zinc-900 shadow-lg ring-1 ring-zinc-900/10 dark:bg-zinc-800 dark:text-zinc-100 dark:ring-white/10">
      {items.length === 0 ? (
        <p role="status" className="px-3 py-2 text-sm text-zinc-500 dark:text-zinc-400">
          {loading ? "Searching…" : query ? `No member matches “${query}”` : "No one else has access to this document yet"}
        </p>
      ) : (
        <ul role="listbox" id={listId} aria-label="Mention someone" className="max-h-72 overflow-y-auto">
          {items.map((item, index) => (
            <li
              key={item.id}
              id={optionId(index)}
              role="option"
              aria-selected={index === selected}
              // Keep focus (and the selection) in the editor.
              onMouseDown={(event) => {
                event.preventDefault();
                command(mentionOf(item));
              }}
              onMouseEnter={() => select(index)}
              className={`flex cursor-pointer items-center gap-2.5 rounded-lg px-2.5 py-1.5 ${index === selected ? "bg-indigo-50 dark:bg-indigo-500/15" : ""}`}
            >
              <Avatar name={item.name} color={item.color} size="sm" />
              <span className="min-w-0 flex-1">
                <span className="block truncate text-sm font-medium">{item.name}</span>
                <span className="block truncate text-xs text-zinc-500 dark:text-zinc-400">{item.email}</span>
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The node to insert for a member: a fresh mention id each time. */
function mentionOf(item: MentionCandidate): MentionAttrs {
  return { id: item.id, label: item.name, mentionId: newMentionId() };
}
