import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../config";
import { resolveAuthSecret } from "./secret";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "tandem-secret-"));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

describe("resolveAuthSecret", () => {
  it("uses BETTER_AUTH_SECRET when set", async () => {
    const secret = "s".repeat(40);
    expect(await resolveAuthSecret({ secret, dev: false, nodeEnv: "production", dataDir })).toBe(secret);
  });

  it("fails clearly with NODE_ENV=production and no secret", async () => {
    await expect(resolveAuthSecret({ secret: undefined, dev: false, nodeEnv: "production", dataDir })).rejects.toThrow(ConfigError);
    await expect(resolveAuthSecret({ secret: undefined, dev: false, nodeEnv: "production", dataDir })).rejects.toThrow(/BETTER_AUTH_SECRET/);
  });

  it("otherwise generates one once, keeps it private under the data folder, and reuses it", async () => {
    const first = await resolveAuthSecret({ secret: undefined, dev: true, nodeEnv: undefined, dataDir });
    expect(first.length).toBeGreaterThanOrEqual(32);
    const file = path.join(dataDir, "auth-secret");
    expect((await readFile(file, "utf8")).trim()).toBe(first);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await resolveAuthSecret({ secret: undefined, dev: false, nodeEnv: undefined, dataDir })).toBe(first);
  });
});
