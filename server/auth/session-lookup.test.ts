import { createHmac, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClient } from "../../test/helpers/client";
import { startTestServer, TEST_AUTH_SECRET, type TestServer } from "../../test/helpers/server";
import { createDatabaseClients, type DatabaseClients } from "../db";
import { SessionLookup } from "./session-lookup";

let server: TestServer;
let db: DatabaseClients;
let sessions: SessionLookup;
beforeAll(async () => {
  server = await startTestServer();
  db = createDatabaseClients(server.databaseUrl, { poolSize: 2 });
  sessions = new SessionLookup(db.sql, TEST_AUTH_SECRET);
});
afterAll(async () => {
  await db?.close();
  await server?.close();
});

/** A session cookie as better-call signs it: `<token>.<base64 HMAC-SHA256>`, URL-encoded. */
function signedCookie(name: string, token: string, secret = TEST_AUTH_SECRET): string {
  const signature = createHmac("sha256", secret).update(token).digest("base64");
  return `${name}=${encodeURIComponent(`${token}.${signature}`)}`;
}

async function tokenOf(userId: string): Promise<string> {
  const session = await db.prisma.session.findFirstOrThrow({ where: { userId }, orderBy: { createdAt: "desc" } });
  return session.token;
}

describe("SessionLookup", () => {
  it("[AU1] finds the user behind the cookie better-auth set at sign-in", async () => {
    const client = await TestClient.signUp(server.url);
    expect(await sessions.userOf(client.cookieHeader)).toEqual(client.user);
  });

  it("[AU2] refuses no cookie, a forged signature, an unknown token and another secret's signature", async () => {
    const client = await TestClient.signUp(server.url);
    const token = await tokenOf(client.user!.id);
    expect(await sessions.userOf(undefined)).toBeNull();
    expect(await sessions.userOf("theme=dark")).toBeNull();
    expect(await sessions.userOf(signedCookie("better-auth.session_token", token))).toEqual(client.user);
    const forged = `better-auth.session_token=${encodeURIComponent(`${token}.${"A".repeat(43)}=`)}`;
    expect(await sessions.userOf(forged)).toBeNull();
    expect(await sessions.userOf(`better-auth.session_token=${token}`)).toBeNull();
    expect(await sessions.userOf(signedCookie("better-auth.session_token", randomBytes(16).toString("hex")))).toBeNull();
    expect(await sessions.userOf(signedCookie("better-auth.session_token", token, "another-secret-of-at-least-32-characters"))).toBeNull();
  });

  it("[AU3] accepts the __Secure- cookie better-auth sets on HTTPS", async () => {
    const client = await TestClient.signUp(server.url);
    const token = await tokenOf(client.user!.id);
    expect(await sessions.userOf(`theme=dark; ${signedCookie("__Secure-better-auth.session_token", token)}`)).toEqual(client.user);
  });

  it("[AU4] refuses a session that was signed out or has expired", async () => {
    const signedOut = await TestClient.signUp(server.url);
    const cookie = signedOut.cookieHeader;
    expect(await sessions.userOf(cookie)).not.toBeNull();
    expect((await signedOut.request("POST", "/api/auth/sign-out", {})).status).toBe(200);
    expect(await sessions.userOf(cookie)).toBeNull();

    const expired = await TestClient.signUp(server.url);
    expect(await sessions.userOf(expired.cookieHeader)).not.toBeNull();
    await db.prisma.session.updateMany({ where: { userId: expired.user!.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    expect(await sessions.userOf(expired.cookieHeader)).toBeNull();
  });
});
