/**
 * What survives: a restart, a SIGKILL, a SIGTERM, and compaction racing live writes. Servers run
 * in process (startTestServer) or, where the process itself must die, as a child process
 * (test/fixtures/collab-server.ts), always on a database this file creates and drops.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as delay } from "node:timers/promises";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import * as Y from "yjs";
import { CloseCode } from "../../server/collab/close-codes";
import { PostgresStore } from "../../server/collab/postgres-store";
import { mergeToSnapshot } from "../../server/collab/update-writer";
import { createDatabaseClients } from "../../server/db/prisma";
import { TestClient } from "../helpers/client";
import { connectPeer, textOf, waitFor, type CollabPeer } from "../helpers/collab-client";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { REPO_ROOT, startTestServer, TEST_AUTH_SECRET, type TestServer } from "../helpers/server";

const PASSWORD = "correct horse battery staple";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  return db;
}

async function server(db: TestDatabase): Promise<TestServer> {
  const started = await startTestServer({}, { database: db });
  cleanups.push(() => started.close());
  return started;
}

function peer(client: TestClient, documentId: string): CollabPeer {
  const p = connectPeer(client, documentId);
  cleanups.push(() => p.destroy());
  return p;
}

/** A user who can sign in again on another server of the same database. */
async function signUp(baseUrl: string): Promise<TestClient> {
  return TestClient.signUp(baseUrl, { password: PASSWORD });
}

/** The same user, signed in on `baseUrl`. */
async function signIn(baseUrl: string, user: TestClient): Promise<TestClient> {
  const client = new TestClient(baseUrl);
  const reply = await client.request("POST", "/api/auth/sign-in/email", { email: user.user?.email, password: PASSWORD });
  expect(reply.status).toBe(200);
  return client;
}

async function createDocument(owner: TestClient): Promise<string> {
  const reply = await owner.request<{ id: string }>("POST", "/api/documents", { title: "Durable" });
  expect(reply.status).toBe(201);
  return reply.body.id;
}

function addParagraph(p: CollabPeer, text: string): Y.XmlText {
  const paragraph = new Y.XmlElement("paragraph");
  const content = new Y.XmlText(text);
  paragraph.insert(0, [content]);
  p.fragment.insert(p.fragment.length, [paragraph]);
  return content;
}

/** What a new client of `user` loads from the server at `baseUrl`. */
async function loadedText(baseUrl: string, user: TestClient, documentId: string): Promise<string> {
  const fresh = peer(await signIn(baseUrl, user), documentId);
  // Synced: it has applied the server's sync step 2, everything the server holds.
  await waitFor(() => fresh.provider.synced, "a fresh client to sync");
  return textOf(fresh.fragment);
}

interface ChildServer {
  url: string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/**
 * The real server as a child process on `db`. Run with `node --import tsx` rather than the
 * `tsx` binary: that one is a parent relaying signals to a grandchild, and a SIGKILL cannot be
 * relayed.
 */
async function spawnServer(db: TestDatabase): Promise<ChildServer> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join("test", "fixtures", "collab-server.ts")], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: db.url, HOST: "127.0.0.1", PORT: "0", BETTER_AUTH_SECRET: TEST_AUTH_SECRET, AUTH_RATE_LIMIT_MAX: "1000", LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = once(child, "exit").then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout });
  const firstLine = once(lines, "line").then(([line]) => line as string);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), 20_000);
  });
  const started = await Promise.race([firstLine, exited, timeout]).finally(() => clearTimeout(timer));
  if (typeof started !== "string" || started === "timeout") {
    throw new Error(`the server process did not start (${JSON.stringify(started)}): ${stderr}`);
  }
  const { url } = JSON.parse(started) as { url: string };
  return { url, exited, kill: (signal) => child.kill(signal) };
}

describe("durability", () => {
  it("[PS2] the content survives a restart on the same database", async () => {
    const db = await database();
    const first = await server(db);
    const alice = await signUp(first.url);
    const id = await createDocument(alice);
    const a = peer(alice, id);
    await waitFor(() => a.provider.synced, "a to sync");
    addParagraph(a, "before the restart");
    const room = first.rooms.get(id);
    await waitFor(() => room !== undefined && textOf(room.doc.getXmlFragment("default")) === "before the restart", "the server to accept the edit");
    await first.close();
    a.destroy();

    const second = await server(db);
    expect(await loadedText(second.url, alice, id)).toBe("before the restart");
  });

  it("[PS1] an edit survives kill -9 150 ms after it was sent", async () => {
    const db = await database();
    const child = await spawnServer(db);
    const alice = await signUp(child.url);
    const id = await createDocument(alice);
    const a = peer(alice, id);
    await waitFor(() => a.provider.synced, "a to sync");
    addParagraph(a, "typed just before the crash");
    const socket = a.provider.ws as unknown as WebSocket;
    await waitFor(() => socket.bufferedAmount === 0, "the edit to leave the client");
    // The one fixed wait: [PS1] promises the edit is stored within 100 ms, and the spec's own
    // scenario kills the server 150 ms after the edit.
    await delay(150);
    child.kill("SIGKILL");
    expect(await child.exited).toEqual({ code: null, signal: "SIGKILL" });
    a.destroy();

    const next = await server(db);
    expect(await loadedText(next.url, alice, id)).toBe("typed just before the crash");
  });

  it("[PS7] on SIGTERM clients are closed with 1012, the edit is stored and the process exits 0", async () => {
    const db = await database();
    const child = await spawnServer(db);
    const alice = await signUp(child.url);
    const id = await createDocument(alice);
    const peers = [peer(alice, id), peer(alice, id)] as const;
    const closeCodes: Array<Array<number | undefined>> = peers.map((p) => {
      const codes: Array<number | undefined> = [];
      p.provider.on("connection-close", (event) => codes.push(event?.code));
      return codes;
    });
    await waitFor(() => peers.every((p) => p.provider.synced), "both clients to sync");
    const [a, b] = peers;
    addParagraph(a, "stored on the way out");
    // Once b has it the server has accepted it; SIGTERM follows well within the 50 ms batch delay.
    await waitFor(() => textOf(b.fragment) === "stored on the way out", "b to receive the edit");
    child.kill("SIGTERM");

    expect(await child.exited).toEqual({ code: 0, signal: null });
    await waitFor(() => closeCodes.every((codes) => codes.length > 0), "both clients to see the close");
    expect(closeCodes.map((codes) => codes[0])).toEqual([CloseCode.serviceRestart, CloseCode.serviceRestart]);
    a.destroy();
    b.destroy();

    const next = await server(db);
    expect(await loadedText(next.url, alice, id)).toBe("stored on the way out");
  });

  it("[PS3] compactions with writes committing in the middle of each lose nothing", async () => {
    const db = await database();
    const target = await server(db);
    const alice = await signUp(target.url);
    const id = await createDocument(alice);
    const writers = [peer(alice, id), peer(alice, id), peer(alice, id)];
    await waitFor(() => writers.every((w) => w.provider.synced), "the writers to sync");
    addParagraph(writers[0] as CollabPeer, "|");
    await waitFor(() => writers.every((w) => textOf(w.fragment) === "|"), "the writers to share a paragraph");
    const stored = () => target.rooms.get(id)?.unsavedUpdates === 0;
    await waitFor(stored, "the paragraph to be stored");

    // Another process's compactions of the same document, as a second instance would run them.
    const clients = createDatabaseClients(db.url, { poolSize: 2 });
    cleanups.push(() => clients.close());
    const store = new PostgresStore(clients);
    expect(await store.compact(id, mergeToSnapshot)).toBe(true);
    // Holding the snapshot row pauses a compaction between reading the log and writing the
    // snapshot, so that appends commit in the middle of it, every time.
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    cleanups.push(() => locker.end());

    let expectedLength = 1;
    /** Every writer inserts a token; resolves once all have everything and it is stored. */
    const writeRound = async (round: number) => {
      writers.forEach((w, k) => {
        const text = (w.fragment.get(0) as Y.XmlElement).get(0) as Y.XmlText;
        const token = `${k}.${round} `;
        text.insert((round * 7 + k * 3) % (text.length + 1), token);
        expectedLength += token.length;
      });
      await waitFor(() => writers.every((w) => textOf(w.fragment).length === expectedLength), `round ${round} to reach every writer`);
      await waitFor(stored, `round ${round} to be appended`);
    };

    await writeRound(0);
    let merges = 0;
    for (let round = 1; round <= 8; round++) {
      await locker.query("BEGIN");
      await locker.query(`SELECT 1 FROM document_snapshot WHERE "documentId" = $1 FOR UPDATE`, [id]);
      let read = false;
      // It merges the previous round's rows; this round's are appended while it waits on the lock.
      const compaction = store.compact(id, (updates) => {
        read = true;
        merges += 1;
        return mergeToSnapshot(updates);
      });
      try {
        await waitFor(() => read, `compaction ${round} to read the log`);
        await writeRound(round);
      } finally {
        await locker.query("COMMIT");
      }
      expect(await compaction).toBe(true);
    }
    expect(merges).toBe(8);

    const final = textOf((writers[0] as CollabPeer).fragment);
    for (const w of writers) expect(textOf(w.fragment)).toBe(final);
    const fromDatabase = new Y.Doc();
    Y.applyUpdate(fromDatabase, mergeToSnapshot(await store.load(id)));
    expect(textOf(fromDatabase.getXmlFragment("default"))).toBe(final);
    fromDatabase.destroy();
    for (const w of writers) w.destroy();
    // Unloading compacts once more; then a new client loads what is stored.
    await waitFor(() => target.rooms.get(id) === undefined, "the room to unload");
    expect(await loadedText(target.url, alice, id)).toBe(final);
  });
});
