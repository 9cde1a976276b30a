import { describe, expect, it } from "vitest";
import { colorFor, USER_COLORS } from "./colors";

describe("colorFor", () => {
  it("is stable and picks from the palette", () => {
    expect(colorFor("ada@example.com")).toBe(colorFor("ada@example.com"));
    expect(USER_COLORS).toContain(colorFor("ada@example.com"));
  });

  it("spreads users over the palette", () => {
    const used = new Set(Array.from({ length: 200 }, (_, i) => colorFor(`user${i}@example.com`)));
    expect(used.size).toBeGreaterThanOrEqual(USER_COLORS.length - 2);
  });
});
