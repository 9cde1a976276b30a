/**
 * The `/collab` upgrade over a real socket: what the server answers before it accepts a
 * WebSocket ([UP1]–[UP5] in docs/SPEC.md).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { TestClient, type ErrorBody } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/server";

type Outcome = { kind: "refused"; status: number; body: ErrorBody } | { kind: "accepted" };

/**
 * Opens a raw WebSocket and reports what the upgrade got: the HTTP status and JSON body of a
 * refusal (ws's `unexpected-response`), or that it was accepted (then closed at once).
 */
function attempt(url: string, headers: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on("unexpected-response", (request, response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        request.destroy();
        try {
          resolve({ kind: "refused", status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as ErrorBody });
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    ws.on("open", () => {
      ws.terminate();
      resolve({ kind: "accepted" });
    });
    ws.on("error", reject);
  });
}

let server: TestServer;
let wsBase: string;
let alice: TestClient;
let bob: TestClient;
let aliceDoc: string;

beforeAll(async () => {
  server = await startTestServer();
  wsBase = server.url.replace(/^http/, "ws");
  [alice, bob] = await Promise.all([TestClient.signUp(server.url), TestClient.signUp(server.url)]);
  aliceDoc = (await alice.request<{ id: string }>("POST", "/api/documents", { title: "Upgrades" })).body.id;
});
afterAll(() => server?.close());

/** A browser tab of `client`: its session cookie and the app's Origin. */
const tab = (client: TestClient) => ({ cookie: client.cookieHeader, origin: server.url });

describe("the /collab upgrade", () => {
  it("admits a member with a session and the app's Origin (the baseline the refusals differ from)", async () => {
    expect(await attempt(`${wsBase}/collab/${aliceDoc}`, tab(alice))).toEqual({ kind: "accepted" });
  });

  it("[UP1] refuses an upgrade without a valid session with 401", async () => {
    const none = await attempt(`${wsBase}/collab/${aliceDoc}`, { origin: server.url });
    expect(none).toMatchObject({ kind: "refused", status: 401 });
    const forged = await attempt(`${wsBase}/collab/${aliceDoc}`, { origin: server.url, cookie: "better-auth.session_token=forged.value" });
    expect(forged).toMatchObject({ kind: "refused", status: 401 });
  });

  it("[UP2] answers 404 alike for a missing document and for a non-member", async () => {
    const missing = await attempt(`${wsBase}/collab/${randomUUID()}`, tab(alice));
    const notMember = await attempt(`${wsBase}/collab/${aliceDoc}`, tab(bob));
    expect(missing).toMatchObject({ kind: "refused", status: 404 });
    expect(notMember).toEqual(missing);
  });

  it("[UP3] refuses a /collab path that is not /collab/<uuid> with 400", async () => {
    for (const path of ["/collab/not-a-uuid", `/collab/${aliceDoc}/extra`, "/collab/"]) {
      expect(await attempt(`${wsBase}${path}`, tab(alice)), path).toMatchObject({ kind: "refused", status: 400 });
    }
  });

  it("[UP4] refuses another Origin, or none, with 403", async () => {
    const evil = await attempt(`${wsBase}/collab/${aliceDoc}`, { ...tab(alice), origin: "https://evil.example" });
    expect(evil).toMatchObject({ kind: "refused", status: 403 });
    expect(await attempt(`${wsBase}/collab/${aliceDoc}`, { cookie: alice.cookieHeader })).toMatchObject({ kind: "refused", status: 403 });
  });

  it("[UP5] refuses any other upgrade path with 400", async () => {
    for (const path of ["/elsewhere", "/", "/api/documents"]) {
      expect(await attempt(`${wsBase}${path}`, tab(alice)), path).toMatchObject({ kind: "refused", status: 400 });
    }
  });
});
