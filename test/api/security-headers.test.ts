/**
 * Every kind of response the server gives carries the security headers (README "Security"):
 * answers of the API, its errors, the event stream and what the server answers itself.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/server";

let server: TestServer;
let alice: TestClient;

beforeAll(async () => {
  server = await startTestServer();
  alice = await TestClient.signUp(server.url);
});
afterAll(() => server?.close());

/** The headers every response must carry, whatever its status or type. */
function expectHardened(headers: Headers): void {
  expect(headers.get("x-content-type-options")).toBe("nosniff");
  expect(headers.get("referrer-policy")).toBe("same-origin");
  expect(headers.get("permissions-policy")).toMatch(/(^|, )camera=\(\)(,|$)/);
  expect(headers.get("x-frame-options")).toBe("DENY");
  expect(headers.get("cross-origin-opener-policy")).toBe("same-origin");
  expect(headers.get("content-security-policy")?.split(/;\s*/)).toContain("frame-ancestors 'none'");
}

/** JSON is never a document: nothing may load from, run in or embed it. */
function expectApiPolicy(headers: Headers): void {
  expectHardened(headers);
  expect(headers.get("content-security-policy")?.split(/;\s*/)).toContain("default-src 'none'");
}

describe("API responses", () => {
  it("a 200 with a body", async () => {
    const reply = await alice.request("GET", "/api/users/me");
    expect(reply.status).toBe(200);
    expectApiPolicy(reply.headers);
  });

  it("a 200 that sets the session cookie", async () => {
    const reply = await new TestClient(server.url).request("POST", "/api/auth/sign-in/email", { email: alice.user?.email, password: "correct horse battery" });
    expect(reply.status).toBe(200);
    expect(reply.headers.getSetCookie()).not.toEqual([]);
    expectApiPolicy(reply.headers);
  });

  it("a 404 for a route that does not exist", async () => {
    const reply = await alice.request("GET", "/api/no-such-route");
    expect(reply.status).toBe(404);
    expectApiPolicy(reply.headers);
  });

  it("a 413 for a body over the limit", async () => {
    const reply = await alice.request("POST", "/api/documents", { title: "x".repeat(200 * 1024) });
    expect(reply.status).toBe(413);
    expectApiPolicy(reply.headers);
  });

  it("a 403 for a cross-origin mutation", async () => {
    const reply = await alice.request("POST", "/api/documents", {}, { origin: "https://elsewhere.example" });
    expect(reply.status).toBe(403);
    expectApiPolicy(reply.headers);
  });
});

describe("the event stream", () => {
  it("a 401 without a session", async () => {
    const response = await fetch(`${server.url}/api/events`);
    expect(response.status).toBe(401);
    await response.body?.cancel();
    expectApiPolicy(response.headers);
  });

  it("the open stream itself", async () => {
    const abort = new AbortController();
    const response = await fetch(`${server.url}/api/events`, { headers: { cookie: alice.cookieHeader }, signal: abort.signal });
    try {
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
      expectApiPolicy(response.headers);
    } finally {
      abort.abort();
    }
  });
});

describe("outside the API", () => {
  it("the 404 of a server that serves no pages has the page policy, with a nonce", async () => {
    const response = await fetch(`${server.url}/d/some-document`);
    expect(response.status).toBe(404);
    await response.body?.cancel();
    expectHardened(response.headers);
    expect(response.headers.get("content-security-policy")).toMatch(/(^|; )script-src 'self' 'nonce-[A-Za-z0-9+/]+={0,2}' 'strict-dynamic'(;|$)/);
  });
});
