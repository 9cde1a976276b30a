"use client";

import type { Editor } from "@tiptap/core";
import { useEffect, useId, useLayoutEffect, useRef, useState, type FormEvent } from "react";
import { Button, focusRing } from "@/app/components/Button";
import { normalizeLinkHref } from "./link";

/**
 * A small non-modal popover under the toolbar to add, change or remove the link at the
 * selection. Only http(s) and mailto addresses are accepted. Escape or a click elsewhere closes
 * it; closing gives the focus back to the text.
 */
export function LinkEditor({ editor, anchor, onClose }: { editor: Editor; anchor: () => HTMLElement | null; onClose: () => void }) {
  const inputId = useId();
  const errorId = useId();
  const panel = useRef<HTMLDivElement>(null);
  const [current] = useState(() => {
    const href: unknown = editor.getAttributes("link").href;
    return typeof href === "string" ? href : "";
  });
  const [value, setValue] = useState(current);
  const [error, setError] = useState<string | null>(null);

  const close = (refocus: boolean) => {
    onClose();
    if (refocus) editor.commands.focus();
  };

  // Under the link button, kept inside the viewport (the toolbar wraps on narrow screens).
  useLayoutEffect(() => {
    const element = panel.current;
    const button = anchor();
    const container = element?.offsetParent;
    if (!element || !button || !container) return;
    const margin = 8;
    const width = element.offsetWidth;
    const { left: buttonLeft, width: buttonWidth } = button.getBoundingClientRect();
    const ideal = buttonLeft + buttonWidth / 2 - width / 2;
    const left = Math.max(margin, Math.min(ideal, document.documentElement.clientWidth - margin - width));
    element.style.left = `${left - container.getBoundingClientRect().left}px`;
  }, [anchor]);

  useEffect(() => {
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target;
      // The toolbar's link button toggles the popover itself.
      if (target instanceof Element && (panel.current?.contains(target) || target.closest('[aria-haspopup="dialog"]'))) return;
      onClose();
    };
    document.addEventListener("pointerdown", onPointerDown);
    return () => document.removeEventListener("pointerdown", onPointerDown);
  }, [onClose]);

  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const href = normalizeLinkHref(value);
    if (!href) {
      setError("Enter a web address (https://…) or an email address.");
      return;
    }
    const chain = editor.chain().focus();
    if (editor.isActive("link")) chain.extendMarkRange("link").setLink({ href }).run();
    // Nothing selected: the address as typed becomes the link's text; what is typed next is not linked.
    else if (editor.state.selection.empty) chain.insertContent({ type: "text", text: value.trim(), marks: [{ type: "link", attrs: { href } }] }).unsetMark("link").run();
    else chain.setLink({ href }).run();
    onClose();
  };

  const remove = () => {
    editor.chain().focus().extendMarkRange("link").unsetLink().run();
    onClose();
  };

  return (
    <div
      ref={panel}
      role="dialog"
      aria-label={current ? "Edit link" : "Add link"}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          close(true);
        }
      }}
      className="absolute top-full left-0 z-20 mt-2 w-[min(24rem,calc(100vw-1rem))] rounded-xl bg-white p-3 shadow-lg ring-1 ring-zinc-900/10 dark:bg-zinc-800 dark:ring-white/10"
    >
      <form onSubmit={apply} noValidate>
        <label htmlFor={inputId} className="mb-1.5 block text-xs font-medium text-zinc-700 dark:text-zinc-300">
          Link address
        </label>
        <div className="flex gap-2">
          <input
            id={inputId}
            type="text"
            inputMode="url"
            autoComplete="off"
            spellCheck={false}
            autoFocus
            placeholder="https://example.com"
            value={value}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
            onChange={(e) => {
              setValue(e.target.value);
              setError(null);
            }}
            className="min-w-0 flex-1 rounded-lg bg-white px-2.5 py-1.5 text-sm text-zinc-900 ring-1 ring-zinc-300 ring-inset placeholder:text-zinc-400 focus:ring-2 focus:ring-indigo-500 focus:outline-none dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-600"
          />
          <Button type="submit" variant="primary" size="sm">
            {current ? "Update" : "Add"}
          </Button>
        </div>
        {error ? (
          <p id={errorId} role="alert" className="mt-1.5 text-xs text-red-600 dark:text-red-400">
            {error}
          </p>
        ) : null}
        {current ? (
          <div className="mt-2 flex items-center justify-between gap-2 text-xs">
            <a href={current} target="_blank" rel="noopener noreferrer" className={`truncate text-indigo-600 underline-offset-2 hover:underline dark:text-indigo-400 ${focusRing}`}>
              Open {current.replace(/^mailto:/, "")}
            </a>
            <Button size="sm" variant="ghost" onClick={remove} className="shrink-0 text-red-600 hover:bg-red-50 dark:text-red-400 dark:hover:bg-red-500/10">
              Remove link
            </Button>
          </div>
        ) : null}
      </form>
    </div>
  );
}
