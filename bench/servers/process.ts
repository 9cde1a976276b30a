import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { createInterface } from "node:readline";

/** The core servers run on; the generator (this process) runs on the other. */
export const SERVER_CORE = 0;
export const GENERATOR_CORE = 1;

export interface ServerProcess {
  readonly pid: number;
  /**
   * Resolves with the first stdout line `match` accepts (returns non-undefined for).
   * @throws Error when the process exits first or `timeoutMs` passes; the message holds its last output.
   */
  waitForLine<T>(match: (line: string) => T | undefined, timeoutMs: number): Promise<T>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
  /** The last lines it printed (stdout and stderr), for error messages. */
  tail(): string;
}

const TAIL_LINES = 40;

/**
 * Starts a server process pinned to {@link SERVER_CORE} with `taskset` (when `pin`), stdout and
 * stderr captured line by line.
 */
export function spawnServer(command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; pin: boolean }): ServerProcess {
  const [file, argv] = options.pin ? ["taskset", ["-c", String(SERVER_CORE), command, ...args]] : [command, args];
  const child: ChildProcess = spawn(file, argv, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitWaiters = new Set<() => void>();
  const remember = (line: string) => {
    lines.push(line);
    if (lines.length > TAIL_LINES) lines.shift();
  };
  if (!child.stdout || !child.stderr) throw new Error("child stdio is not piped");
  createInterface({ input: child.stdout }).on("line", (line) => {
    remember(line);
    for (const listener of listeners) listener(line);
  });
  createInterface({ input: child.stderr }).on("line", remember);
  child.on("exit", (code, signal) => {
    exited = { code, signal };
    for (const waiter of exitWaiters) waiter();
  });
  const tail = () => lines.join("\n");

  let stopping: Promise<void> | undefined;
  return {
    pid,
    tail,
    waitForLine: <T>(match: (line: string) => T | undefined, timeoutMs: number) =>
      new Promise<T>((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          listeners.delete(onLine);
          exitWaiters.delete(onExit);
        };
        const onLine = (line: string) => {
          const found = match(line);
          if (found === undefined) return;
          done();
          resolve(found);
        };
        const onExit = () => {
          done();
          reject(new Error(`${command} exited (${exited?.code ?? exited?.signal}) before it was ready:\n${tail()}`));
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${command} not ready within ${timeoutMs} ms:\n${tail()}`));
        }, timeoutMs);
        listeners.add(onLine);
        exitWaiters.add(onExit);
        if (exited) onExit();
      }),
    stop: (graceMs = 30_000) =>
      (stopping ??= new Promise<void>((resolve) => {
        if (exited) return resolve();
        const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
        exitWaiters.add(() => {
          clearTimeout(kill);
          resolve();
        });
        child.kill("SIGTERM");
      })),
  };
}

/** A TCP port free on 127.0.0.1 right now (for servers that cannot report the port they picked). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
