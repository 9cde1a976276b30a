import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../logger";

/** What a production build is made from; a change to any of it makes the build stale. */
const BUILD_INPUTS = ["app", "public", "next.config.js", "postcss.config.mjs", "tsconfig.json", "package-lock.json"];
const STAMP_FILE = path.join(".next", "tandem-build-stamp");

async function* files(dir: string): AsyncGenerator<string> {
  const info = await stat(dir).catch(() => null);
  if (!info) return;
  if (info.isFile()) {
    yield dir;
    return;
  }
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) yield* files(path.join(dir, entry.name));
}

/** A hash of every build input's path and content. */
export async function sourceFingerprint(root: string): Promise<string> {
  const hash = createHash("sha256");
  for (const input of BUILD_INPUTS) {
    for await (const file of files(path.join(root, input))) {
      hash.update(path.relative(root, file)).update("\0").update(await readFile(file)).update("\0");
    }
  }
  return hash.digest("hex");
}

/**
 * Runs `next build` unless `.next` already holds a build of exactly the current sources, so
 * `npm start` works on a fresh clone and after a pull, and costs nothing otherwise.
 * @throws Error when the build fails.
 */
export async function ensureProductionBuild(root: string, logger: Logger): Promise<void> {
  const fingerprint = await sourceFingerprint(root);
  const stamp = await readFile(path.join(root, STAMP_FILE), "utf8").catch(() => "");
  const hasBuild = await stat(path.join(root, ".next", "BUILD_ID")).then(() => true, () => false);
  if (hasBuild && stamp.trim() === fingerprint) return;

  logger.info("No current production build: running `next build` (this takes a minute or two)…");
  const started = Date.now();
  const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
  await new Promise<void>((resolve, reject) => {
    // Build output goes to stderr so stdout stays one JSON log event per line.
    const child = spawn(process.execPath, [nextBin, "build"], { cwd: root, stdio: ["ignore", process.stderr, process.stderr], env: { ...process.env, NODE_ENV: "production" } });
    child.once("error", reject);
    child.once("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`next build failed (exit ${code ?? signal})`))));
  });
  await writeFile(path.join(root, STAMP_FILE), fingerprint + "\n");
  logger.info({ ms: Date.now() - started }, "Production build ready");
}
