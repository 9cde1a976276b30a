import type { DecorationAttrs } from "@tiptap/pm/view";
import { textColorOn } from "@/app/components/Avatar";

/** The awareness `user` the caret extension hands over; its colour is "#rrggbb" or "transparent". */
type CaretUser = Record<string, unknown>;

const name = (user: CaretUser) => (typeof user.name === "string" && user.name ? user.name : "Someone");
const color = (user: CaretUser) => (typeof user.color === "string" && /^#[0-9a-f]{6}$/i.test(user.color) ? user.color : "#71717a");

/**
 * Another person's caret: a bar in their colour with their name above it. Hidden from assistive
 * technology, which would otherwise read the name in the middle of the text; the people in the
 * document are listed in the header instead.
 */
export function renderCaret(user: CaretUser): HTMLElement {
  const caret = document.createElement("span");
  caret.className = "collaboration-carets__caret";
  caret.setAttribute("aria-hidden", "true");
  caret.style.setProperty("--caret-color", color(user));
  const label = document.createElement("span");
  label.className = "collaboration-carets__label";
  label.style.color = textColorOn(color(user));
  label.textContent = name(user);
  caret.append(label);
  return caret;
}

/** Another person's selection: their colour, translucent. */
export function renderSelection(user: CaretUser): DecorationAttrs {
  return { nodeName: "span", class: "collaboration-carets__selection", style: `--caret-color: ${color(user)}` };
}
