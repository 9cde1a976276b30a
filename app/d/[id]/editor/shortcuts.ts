/** A keyboard shortcut as Tiptap writes it: "Mod" is ⌘ on Apple devices and Ctrl elsewhere. */
export type Shortcut = readonly string[];

const isApple = () => typeof navigator !== "undefined" && /Mac|iPhone|iPad|iPod/.test(navigator.platform || navigator.userAgent);

const APPLE_SYMBOLS: Record<string, string> = { Mod: "⌘", Shift: "⇧", Alt: "⌥" };

/** The shortcut for a tooltip ("⌘⇧8" or "Ctrl+Shift+8") and for aria-keyshortcuts ("Meta+Shift+8"). */
export function formatShortcut(keys: Shortcut, apple: boolean = isApple()): { display: string; aria: string } {
  const display = apple ? keys.map((k) => APPLE_SYMBOLS[k] ?? k).join("") : keys.map((k) => (k === "Mod" ? "Ctrl" : k)).join("+");
  const aria = keys.map((k) => (k === "Mod" ? (apple ? "Meta" : "Control") : k)).join("+");
  return { display, aria };
}
