import { describe, expect, it } from "vitest";
import { presentUsers, samePresence } from "./presence";

const ada = { id: "u-ada", name: "Ada", color: "#e11d48" };
const bob = { id: "u-bob", name: "Bob", color: "#2563eb" };

describe("presentUsers", () => {
  it("lists each person once, however many tabs they have open", () => {
    expect(presentUsers([{ user: ada, cursor: null }, { user: bob }, { user: ada, cursor: { anchor: 1 } }])).toEqual([ada, bob]);
  });

  it("skips states without a well-formed user (peer data is untrusted)", () => {
    const states = [{}, { user: null }, { user: { name: "No id", color: "#000000" } }, { user: { ...bob, color: "red" } }, { user: { ...bob, id: 7 } }, { user: ada }];
    expect(presentUsers(states)).toEqual([ada]);
  });
});

describe("samePresence", () => {
  it("compares people and how they are shown", () => {
    expect(samePresence([ada, bob], [{ ...ada }, { ...bob }])).toBe(true);
    expect(samePresence([ada, bob], [bob, ada])).toBe(false);
    expect(samePresence([ada], [{ ...ada, name: "Ada L." }])).toBe(false);
    expect(samePresence([ada], [])).toBe(false);
  });
});
