import { describe, expect, it } from "vitest";
import { formatShortcut } from "./shortcuts";

describe("formatShortcut", () => {
  it("uses symbols on Apple devices and Ctrl elsewhere", () => {
    expect(formatShortcut(["Mod", "Shift", "8"], true)).toEqual({ display: "⌘⇧8", aria: "Meta+Shift+8" });
    expect(formatShortcut(["Mod", "Alt", "1"], false)).toEqual({ display: "Ctrl+Alt+1", aria: "Control+Alt+1" });
  });
});
