import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import pg from "pg";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedPostgresError, startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres";

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CHILD_SCRIPT = path.join(REPO_ROOT, "test", "fixtures", "start-embedded-postgres.ts");
const isRoot = process.getuid?.() === 0;

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !readStatState(pid).startsWith("Z");
}

/** The process state letter from /proc (Linux); an exited orphan lingers as a zombie ("Z"). */
function readStatState(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2);
  } catch {
    return "";
  }
}

// One data folder for the whole file, initialised by the first test (initdb is most of a cold
// start); every test leaves the server stopped.
describe("startEmbeddedPostgres", () => {
  let dataDir: string;
  const started: EmbeddedPostgres[] = [];
  async function start(options: { port?: number } = {}): Promise<EmbeddedPostgres> {
    const server = await startEmbeddedPostgres({ dataDir, logger, ...options });
    started.push(server);
    return server;
  }

  beforeAll(async () => {
    // Under /tmp and world-traversable: as root PostgreSQL runs as the `postgres` user.
    dataDir = await mkdtemp(path.join(tmpdir(), "tandem-embedded-"));
    await chmod(dataDir, 0o755);
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.stop()));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("initialises an empty folder, and keeps data and its URL across a restart; stop() may be called twice", async () => {
    const first = await start();
    await sql(first.url, "CREATE TABLE kept (body text); INSERT INTO kept VALUES ('still here, ünïcode')");
    await first.stop();
    await first.stop();

    const second = await start();

    expect(second.url).toBe(first.url);
    expect(await sql(second.url, "SELECT body FROM kept")).toEqual([{ body: "still here, ünïcode" }]);
    expect(new URL(second.url).pathname).toBe("/tandem");
  });

  it("moves to another port when the remembered one is taken", async () => {
    const first = await start();
    await first.stop();
    const squatter = net.createServer();
    squatter.listen({ port: Number(new URL(first.url).port), host: "127.0.0.1" });
    await once(squatter, "listening");
    try {
      const second = await start();

      expect(new URL(second.url).port).not.toBe(new URL(first.url).port);
      expect(await sql(second.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
    } finally {
      squatter.close();
    }
  });

  it("stops the PostgreSQL that a kill -9'ed process left running, then starts with the data intact", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD_SCRIPT, dataDir], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] });
    const exited = once(child, "exit");
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), "line")) as [string];
      const { url } = JSON.parse(line) as { url: string };
      await sql(url, "CREATE TABLE survived (n int); INSERT INTO survived VALUES (42)");
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    const orphanPid = Number.parseInt(await readFile(path.join(dataDir, "postgres", "pgdata", "postmaster.pid"), "utf8"), 10);
    expect(isRunning(orphanPid)).toBe(true);

    const server = await start();

    expect(isRunning(orphanPid)).toBe(false);
    expect(await sql(server.url, "SELECT n FROM survived")).toEqual([{ n: 42 }]);
  });

  it("deletes a postmaster.pid whose process is gone", async () => {
    const first = await start();
    await first.stop();
    const pgdata = path.join(dataDir, "postgres", "pgdata");
    const deadPid = 2 ** 22 + 1; // above Linux's pid_max: never a live process
    await writeFile(path.join(pgdata, "postmaster.pid"), `${deadPid}\n${pgdata}\n0\n0\n\n\n\n`);

    const second = await start();

    expect(await sql(second.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });

  it("refuses a data folder that a live process is using, naming the folder", async () => {
    await start();

    const second = startEmbeddedPostgres({ dataDir, logger });

    await expect(second).rejects.toThrow(EmbeddedPostgresError);
    await expect(second).rejects.toThrow(path.join(dataDir, "postgres"));
  });

  it.runIf(isRoot)("as root, refuses a data folder the postgres user cannot reach, pointing at DATA_DIR", async () => {
    const locked = path.join(dataDir, "locked");
    await mkdir(locked, { mode: 0o700 });
    await chmod(locked, 0o700);

    await expect(startEmbeddedPostgres({ dataDir: path.join(locked, "data"), logger })).rejects.toThrow(/DATA_DIR/);
  });
});
