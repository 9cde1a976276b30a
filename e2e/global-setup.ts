/**
 * Starts one production Tandem server for the whole run and returns its teardown.
 *
 * The server is `tsx server/index.ts` with PORT=0 (a free port it picks) and, without
 * DATABASE_URL, an embedded PostgreSQL in a fresh temporary DATA_DIR. It builds Next.js first
 * when no current build exists, so start-up may take minutes. Readiness is its
 * `"msg":"Tandem is listening"` log line, whose `url` is handed to the tests as TANDEM_URL
 * (workers inherit the environment of this process).
 *
 * With TANDEM_URL already set (e.g. to a running `npm run dev`), that server is used and none
 * is started.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import type { FullConfig } from "@playwright/test";

const STARTUP_TIMEOUT_MS = 5 * 60_000;
const SHUTDOWN_TIMEOUT_MS = 30_000;
const READY_MESSAGE = "Tandem is listening";

export default async function globalSetup(config: FullConfig): Promise<(() => Promise<void>) | undefined> {
  if (process.env.TANDEM_URL) {
    process.stderr.write(`[e2e] using the Tandem at TANDEM_URL=${process.env.TANDEM_URL}\n`);
    return undefined;
  }
  const root = config.configFile ? path.dirname(config.configFile) : process.cwd();
  const workDir = await mkdtemp(path.join(tmpdir(), "tandem-e2e-"));
  // The embedded PostgreSQL runs as an unprivileged user, which must be able to enter it.
  await chmod(workDir, 0o755);
  const logFile = path.join(workDir, "server.log");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: "0",
    HOST: "127.0.0.1",
    NODE_ENV: "production",
    AUTH_RATE_LIMIT_MAX: "1000",
    // Production refuses to start without a session secret; a throwaway one per run.
    BETTER_AUTH_SECRET: process.env.BETTER_AUTH_SECRET ?? randomBytes(32).toString("base64url"),
  };
  if (!process.env.DATABASE_URL) env.DATA_DIR = path.join(workDir, "data");

  const child = spawn(path.join(root, "node_modules", ".bin", "tsx"), ["server/index.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  const log = createWriteStream(logFile);
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  process.stderr.write(`[e2e] starting Tandem (log: ${logFile}); a first start builds Next.js and takes a minute or two\n`);

  let url: string;
  try {
    url = await waitForReady(child, logFile);
  } catch (error) {
    await stop(child);
    log.end();
    throw error;
  }
  process.env.TANDEM_URL = url;
  process.stderr.write(`[e2e] Tandem is listening on ${url}\n`);

  return async () => {
    const code = await stop(child);
    log.end();
    if (code !== 0) throw new Error(`Tandem exited with ${code} on SIGTERM; see ${logFile}`);
    // Kept on failure (above) for its log; the embedded database is of no use afterwards.
    await rm(workDir, { recursive: true, force: true });
  };
}

/** Resolves with the server's URL from its ready line; rejects if it exits or takes too long. */
function waitForReady(child: ChildProcess, logFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) throw new Error("the server's stdout is not piped");
    const lines = createInterface({ input: child.stdout });
    const finish = (outcome: { url: string } | { error: Error }) => {
      clearTimeout(timer);
      lines.close();
      child.off("exit", onExit);
      child.off("error", onError);
      if ("url" in outcome) resolve(outcome.url);
      else reject(outcome.error);
    };
    const timer = setTimeout(() => finish({ error: new Error(`Tandem did not report "${READY_MESSAGE}" within ${STARTUP_TIMEOUT_MS / 1000} s; see ${logFile}`) }), STARTUP_TIMEOUT_MS);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      finish({ error: new Error(`Tandem exited (${code ?? signal}) before it was listening; see ${logFile}`) });
    const onError = (error: Error) => finish({ error });
    child.once("exit", onExit);
    child.once("error", onError);
    lines.on("line", (line) => {
      const event = parseJson(line);
      if (event?.msg === READY_MESSAGE && typeof event.url === "string") finish({ url: event.url });
    });
  });
}

function parseJson(line: string): Record<string, unknown> | null {
  if (!line.startsWith("{")) return null;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null; // Not a log event (e.g. a stray line from a dependency).
  }
}

/** SIGTERM, then wait for the exit (SIGKILL past the deadline). Resolves with the exit code. */
function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      process.stderr.write(`[e2e] Tandem did not stop within ${SHUTDOWN_TIMEOUT_MS / 1000} s of SIGTERM; killing it\n`);
      child.kill("SIGKILL");
    }, SHUTDOWN_TIMEOUT_MS);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill("SIGTERM");
  });
}
