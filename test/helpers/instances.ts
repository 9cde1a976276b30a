/**
 * Several Tandem instances on one database, for the multi-instance tests (test/scale/*): as
 * child processes (test/fixtures/instance.ts), which a test can kill, or in this process, where
 * a test can look into their rooms.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import pino from "pino";
import type { RoomRegistry } from "../../server/collab";
import { loadConfig } from "../../server/config";
import { startTandem } from "../../server/tandem";
import type { RoomAnswer, RoomQuery } from "../fixtures/instance";
import { REPO_ROOT, TEST_AUTH_SECRET } from "./server";

const STARTUP_TIMEOUT_MS = 30_000;

/** What every instance of a test gets, before the test's own `env`. */
function baseEnv(databaseUrl: string): Record<string, string> {
  return {
    HOST: "127.0.0.1",
    PORT: "0",
    DATABASE_URL: databaseUrl,
    BETTER_AUTH_SECRET: TEST_AUTH_SECRET,
    AUTH_RATE_LIMIT_MAX: "1000",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn",
  };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildInstance {
  url: string;
  /** Its id on the bus: its Redis connections are `tandem-pub-<id>` and `tandem-sub-<id>`. */
  instanceId: string;
  /** Resolves once the process has exited. */
  exited: Promise<Exit>;
  /** What it logged so far (stderr), for failure messages. */
  log(): string;
  /** Sends `signal` and resolves once the process has exited. */
  kill(signal: NodeJS.Signals): Promise<Exit>;
  /** Whether the instance has the document's room loaded. */
  roomLoaded(documentId: string): Promise<boolean>;
}

/**
 * Starts test/fixtures/instance.ts as a child process on `databaseUrl`, `env` overriding the
 * rest of its environment. Run with `node --import tsx` (not the `tsx` binary, a parent that
 * relays signals to a grandchild: a SIGKILL cannot be relayed).
 * @throws Error with the process's log if it exits or stays silent for 30 s instead of starting.
 */
export async function spawnInstance(databaseUrl: string, env: Record<string, string> = {}): Promise<ChildInstance> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join("test", "fixtures", "instance.ts")], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...baseEnv(databaseUrl), ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const exited = once(child, "exit").then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const kill = async (signal: NodeJS.Signals): Promise<Exit> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };

  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  let timer: NodeJS.Timeout | undefined;
  const started = await Promise.race([
    once(lines, "line").then(([line]) => line as string),
    exited,
    new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), STARTUP_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (typeof started !== "string" || started === "timeout") {
    await kill("SIGKILL");
    throw new Error(`the instance did not start (${JSON.stringify(started)}): ${stderr}`);
  }
  const { url, instanceId } = JSON.parse(started) as { url: string; instanceId: string };

  let seq = 0;
  const answers = new Map<number, (loaded: boolean) => void>();
  child.on("message", (answer: RoomAnswer) => answers.get(answer.seq)?.(answer.loaded));
  const roomLoaded = (documentId: string): Promise<boolean> =>
    new Promise((resolve, reject) => {
      seq += 1;
      const query: RoomQuery = { seq, documentId };
      const timeout = setTimeout(() => {
        answers.delete(query.seq);
        reject(new Error(`instance ${url} did not answer about room ${documentId}`));
      }, 5_000);
      answers.set(query.seq, (loaded) => {
        clearTimeout(timeout);
        answers.delete(query.seq);
        resolve(loaded);
      });
      child.send(query);
    });

  return { url, instanceId, exited, log: () => stderr, kill, roomLoaded };
}

export interface InProcessInstance {
  url: string;
  instanceId: string;
  rooms: RoomRegistry;
  close(): Promise<void>;
}

/** An API-only Tandem in this process on `databaseUrl`, `env` overriding the rest of its configuration. */
export async function startInstance(databaseUrl: string, env: Record<string, string> = {}): Promise<InProcessInstance> {
  const config = loadConfig({ ...baseEnv(databaseUrl), LOG_LEVEL: "silent", ...env }, { dev: false, cwd: REPO_ROOT });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const tandem = await startTandem({ config, logger, root: REPO_ROOT, pages: false });
  return { url: tandem.url, instanceId: tandem.instanceId, rooms: tandem.rooms, close: tandem.close };
}
