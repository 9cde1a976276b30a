import { afterEach, describe, expect, it, vi } from "vitest";
import type { Member } from "@/app/lib/api";
import { matchMembers, newMentionId } from "./mention";

const member = (id: string, name: string, email = `${id}@example.test`): Member => ({ user: { id, name, email, color: "#336699" }, role: "editor" });

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("matchMembers", () => {
  const members = [member("me", "Ada Lovelace"), member("b", "Bob Marley"), member("c", "Abel Tasman"), member("d", "Carla Bobbit", "cb@example.test")];

  it("offers every other member for a bare @, never the person typing", () => {
    expect(matchMembers(members, "", "me").map((m) => m.id)).toEqual(["c", "b", "d"]);
  });

  it("ranks names that start with the query, then a word that does, then the rest", () => {
    expect(matchMembers(members, "bob", "me").map((m) => m.id)).toEqual(["b", "d"]);
    expect(matchMembers(members, "tas", "me").map((m) => m.id)).toEqual(["c"]);
    expect(matchMembers(members, "cb@", "me").map((m) => m.id)).toEqual(["d"]);
  });

  it("matches names with spaces and ignores case", () => {
    expect(matchMembers(members, "BOB M", "me").map((m) => m.name)).toEqual(["Bob Marley"]);
    expect(matchMembers(members, "bob x", "me")).toEqual([]);
  });

  it("keeps to the limit", () => {
    const many = Array.from({ length: 20 }, (_, i) => member(`u${i}`, `User ${i}`));
    expect(matchMembers(many, "user", "me", 5)).toHaveLength(5);
  });
});

describe("newMentionId", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("is a fresh v4 UUID each time", () => {
    const a = newMentionId();
    expect(a).toMatch(UUID_V4);
    expect(newMentionId()).not.toBe(a);
  });

  it("falls back to getRandomValues where randomUUID is missing (plain http)", () => {
    const real = globalThis.crypto;
    vi.stubGlobal("crypto", { getRandomValues: <T extends ArrayBufferView>(array: T) => real.getRandomValues(array) });
    expect(newMentionId()).toMatch(UUID_V4);
  });
});
