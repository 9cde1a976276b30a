import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { localSavedStateStore, pendingChanges, raiseStateVector } from "./pending";

describe("pendingChanges", () => {
  it("counts the items each client has beyond what is known", () => {
    const local = new Map([
      [1, 10],
      [2, 5],
      [3, 7],
    ]);
    const known = new Map([
      [1, 4],
      [2, 9],
    ]);
    expect(pendingChanges(local, known)).toBe(6 + 0 + 7);
  });

  it("is zero once everything is known", () => {
    const doc = new Y.Doc();
    doc.getText("t").insert(0, "hello");
    const sv = Y.decodeStateVector(Y.encodeStateVector(doc));
    expect(pendingChanges(sv, new Map())).toBe(5);
    expect(pendingChanges(sv, sv)).toBe(0);
  });
});

describe("raiseStateVector", () => {
  it("raises clocks, never lowers them, and says whether anything changed", () => {
    const target = new Map([
      [1, 5],
      [2, 9],
    ]);
    expect(
      raiseStateVector(
        target,
        new Map([
          [1, 7],
          [2, 3],
          [3, 1],
        ]),
      ),
    ).toBe(true);
    expect(target).toEqual(
      new Map([
        [1, 7],
        [2, 9],
        [3, 1],
      ]),
    );
    expect(raiseStateVector(target, new Map([[2, 9]]))).toBe(false);
  });
});

describe("localSavedStateStore", () => {
  function memoryStorage(): Storage {
    const items = new Map<string, string>();
    return {
      get length() {
        return items.size;
      },
      clear: () => items.clear(),
      getItem: (key) => items.get(key) ?? null,
      key: (i) => [...items.keys()][i] ?? null,
      removeItem: (key) => void items.delete(key),
      setItem: (key, value) => void items.set(key, value),
    };
  }

  it("keeps a state vector per document across instances, as base64", () => {
    const storage = memoryStorage();
    const sv = new Map([
      [42, 7],
      [4_000_000_000, 12],
    ]);
    localSavedStateStore("doc-a", storage).save(sv);
    expect(storage.getItem("tandem-saved-sv-doc-a")).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(localSavedStateStore("doc-a", storage).load()).toEqual(sv);
    expect(localSavedStateStore("doc-b", storage).load()).toEqual(new Map());
  });

  it("treats a corrupt entry as unknown, and clears", () => {
    const storage = memoryStorage();
    storage.setItem("tandem-saved-sv-doc-a", "!!not base64!!");
    expect(localSavedStateStore("doc-a", storage).load()).toEqual(new Map());
    localSavedStateStore("doc-a", storage).clear();
    expect(storage.getItem("tandem-saved-sv-doc-a")).toBeNull();
  });

  it("works without storage (blocked by privacy settings)", () => {
    const store = localSavedStateStore("doc-a", null);
    store.save(new Map([[1, 2]]));
    expect(store.load()).toEqual(new Map());
  });
});
