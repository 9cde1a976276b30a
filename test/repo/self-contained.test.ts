/**
 * A fresh clone has nothing beside it: the tests, the benchmarks and the server read only files
 * the repository holds (test data lives in test/fixtures/, with its licence).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/server";

describe("the repository is self-contained", () => {
  it("no code or test reaches outside the checkout (../shared and the like)", () => {
    // git grep lists tracked files only; exit status 1 means no match.
    let matches = "";
    try {
      matches = execFileSync("git", ["grep", "-nE", String.raw`\.\./(\.\./)*shared\b|"\.\.", *"shared"`, "--", "server", "app", "test", "e2e", "bench", "scripts", "*.config.*"], {
        cwd: REPO_ROOT,
        encoding: "utf8",
      });
    } catch (error) {
      if ((error as { status?: number }).status !== 1) throw error;
    }
    // This file names the pattern it looks for.
    const offending = matches.split("\n").filter((line) => line && !line.startsWith("test/repo/self-contained.test.ts"));
    expect(offending).toEqual([]);
  });

  it("the editing traces the tests replay are in test/fixtures, with their licence", () => {
    for (const name of ["clownschool.json.gz", "friendsforever.json.gz", "automerge-paper.json.gz", "README.md"]) {
      expect(existsSync(path.join(REPO_ROOT, "test/fixtures/traces", name)), name).toBe(true);
    }
  });
});
