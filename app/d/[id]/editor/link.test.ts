import { describe, expect, it } from "vitest";
import { isSafeHref, normalizeLinkHref } from "./link";

describe("normalizeLinkHref", () => {
  it("accepts http(s) and mailto addresses", () => {
    expect(normalizeLinkHref("https://example.com/a?b=c#d")).toBe("https://example.com/a?b=c#d");
    expect(normalizeLinkHref("  http://localhost:3000/x ")).toBe("http://localhost:3000/x");
    expect(normalizeLinkHref("mailto:ada@example.com")).toBe("mailto:ada@example.com");
  });

  it("completes what people usually type", () => {
    expect(normalizeLinkHref("example.com/docs")).toBe("https://example.com/docs");
    expect(normalizeLinkHref("//example.com")).toBe("https://example.com/");
    expect(normalizeLinkHref("ada@example.com")).toBe("mailto:ada@example.com");
  });

  it("refuses other schemes and things that are not addresses", () => {
    for (const input of ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>x</b>", "ftp://example.com", "", "   ", "not a link", "foo", "mailto:nobody", "https://"]) {
      expect(normalizeLinkHref(input), input).toBeNull();
    }
  });
});

describe("isSafeHref", () => {
  it("allows relative, http(s) and mailto hrefs only", () => {
    expect(isSafeHref("/d/123")).toBe(true);
    expect(isSafeHref("#top")).toBe(true);
    expect(isSafeHref("HTTPS://example.com")).toBe(true);
    expect(isSafeHref("mailto:a@b.co")).toBe(true);
    expect(isSafeHref("javascript:alert(1)")).toBe(false);
    expect(isSafeHref(" data:text/html,x")).toBe(false);
    expect(isSafeHref("vbscript:x")).toBe(false);
  });
});
