/**
 * Sessions that end, end everywhere ([SE1]–[SE3] in docs/SPEC.md): signing out, a revoked
 * session and an expired one close the WebSockets opened with that session with 4401 and end
 * its event streams — on every instance — while the user's other sessions carry on.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { CloseCode } from "../../server/collab/close-codes";
import { TestClient } from "../helpers/client";
import { connectPeer, waitFor, type CollabPeer } from "../helpers/collab-client";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { startInstance, type InProcessInstance } from "../helpers/instances";
import { REDIS_URL, skipWithoutRedis } from "../helpers/redis";
import { SseClient } from "../helpers/sse-client";

const PASSWORD = "correct horse battery";
/** Re-validation every 200 ms, so expiry and revocation show within the test's patience. */
const RECHECK_MS = 200;

let database: TestDatabase;
let server: InProcessInstance;
let admin: pg.Client;
beforeAll(async () => {
  database = await createTestDatabase();
  server = await startInstance(database.url, { SESSION_RECHECK_MS: String(RECHECK_MS) });
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await server?.close();
  await database?.drop();
});

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A second session of the same person (another browser). */
async function signIn(baseUrl: string, email: string): Promise<TestClient> {
  const client = new TestClient(baseUrl);
  const reply = await client.request("POST", "/api/auth/sign-in/email", { email, password: PASSWORD });
  expect(reply.status).toBe(200);
  return client;
}

/** A y-websocket client that records the close codes it sees, destroyed after the test. */
function watchedPeer(client: TestClient, documentId: string): { peer: CollabPeer; closes: number[] } {
  const peer = connectPeer(client, documentId);
  cleanups.push(() => peer.destroy());
  const closes: number[] = [];
  peer.provider.on("connection-close", (event) => {
    if (event) closes.push(event.code);
  });
  return { peer, closes };
}

async function openStream(client: TestClient): Promise<SseClient> {
  const stream = await SseClient.open(client);
  cleanups.push(() => stream.close());
  expect(stream.status).toBe(200);
  return stream;
}

/** The session token behind a client's cookie (its part before the signature). */
function tokenOf(client: TestClient): string {
  const signed = decodeURIComponent(/better-auth\.session_token=([^;]+)/.exec(client.cookieHeader)?.[1] ?? "");
  return signed.slice(0, signed.lastIndexOf("."));
}

async function documentOf(owner: TestClient): Promise<string> {
  return (await owner.request<{ id: string }>("POST", "/api/documents", { title: "Sessions" })).body.id;
}

describe("[SE1] signing out", () => {
  it("closes that session's WebSockets with 4401 and ends its event streams within a second; the person's other session carries on", async () => {
    const first = await TestClient.signUp(server.url);
    const email = first.user?.email ?? "";
    const second = await signIn(server.url, email);
    const id = await documentOf(first);
    const mine = watchedPeer(first, id);
    const other = watchedPeer(second, id);
    await waitFor(() => mine.peer.provider.synced && other.peer.provider.synced, "both sessions to sync");
    const stream = await openStream(first);
    const otherStream = await openStream(second);
    await stream.waitFor((events) => events.some((e) => e.event === "presence"), "the first stream's snapshot");

    const signedOut = Date.now();
    expect((await first.request("POST", "/api/auth/sign-out", {})).status).toBe(200);
    await waitFor(() => mine.closes.includes(CloseCode.unauthorized) && stream.ended, "the signed-out session's socket and stream to end", 1_000);
    expect(Date.now() - signedOut).toBeLessThan(1_000);
    // The API agrees, and the y-websocket client cannot come back with that cookie.
    expect((await first.request("GET", "/api/users/me")).status).toBe(401);

    expect(other.closes).toEqual([]);
    expect(otherStream.ended).toBe(false);
    expect(other.peer.provider.wsconnected).toBe(true);
  });
});

describe("[SE2] on every instance", () => {
  const noRedis = skipWithoutRedis("the cross-instance sign-out test in test/abuse/sessions.test.ts");
  it.skipIf(noRedis)("signing out through one instance closes the session's sockets and streams on another within a second", async () => {
    const other = await startInstance(database.url, { REDIS_URL: REDIS_URL ?? "" });
    const withRedis = await startInstance(database.url, { REDIS_URL: REDIS_URL ?? "" });
    cleanups.push(() => other.close(), () => withRedis.close());
    const client = await TestClient.signUp(withRedis.url);
    const id = await documentOf(client);
    // The same session (same cookie), connected to the other instance.
    const there = client.at(other.url);
    const remote = watchedPeer(there, id);
    await waitFor(() => remote.peer.provider.synced, "the client on the other instance to sync");
    const stream = await openStream(there);
    await stream.waitFor((events) => events.some((e) => e.event === "presence"), "the other instance's stream snapshot");

    const signedOut = Date.now();
    expect((await client.request("POST", "/api/auth/sign-out", {})).status).toBe(200);
    await waitFor(() => remote.closes.includes(CloseCode.unauthorized) && stream.ended, "the other instance to end the session's socket and stream", 1_000);
    expect(Date.now() - signedOut).toBeLessThan(1_000);
  });
});

describe("[SE3] sessions are re-validated while connections stay open", () => {
  it("a session that expires closes its socket with 4401 and ends its stream; a valid one stays", async () => {
    const client = await TestClient.signUp(server.url);
    const valid = await signIn(server.url, client.user?.email ?? "");
    const id = await documentOf(client);
    const { peer, closes } = watchedPeer(client, id);
    const bystander = watchedPeer(valid, id);
    await waitFor(() => peer.provider.synced && bystander.peer.provider.synced, "both clients to sync");
    const stream = await openStream(client);

    await admin.query(`UPDATE session SET "expiresAt" = (now() AT TIME ZONE 'UTC') - interval '1 second' WHERE token = $1`, [tokenOf(client)]);
    await waitFor(() => closes.includes(CloseCode.unauthorized) && stream.ended, "the expired session's socket and stream to end", 10 * RECHECK_MS + 2_000);
    // The same re-validation found the other session valid: it was not closed.
    expect(bystander.closes).toEqual([]);
    expect(bystander.peer.provider.wsconnected).toBe(true);
  });

  it("a session deleted behind the server's back (revoked elsewhere) closes its socket with 4401", async () => {
    const client = await TestClient.signUp(server.url);
    const id = await documentOf(client);
    const { peer, closes } = watchedPeer(client, id);
    await waitFor(() => peer.provider.synced, "the client to sync");

    await admin.query("DELETE FROM session WHERE token = $1", [tokenOf(client)]);
    await waitFor(() => closes.includes(CloseCode.unauthorized), "the revoked session's socket to close", 10 * RECHECK_MS + 2_000);
  });
});
