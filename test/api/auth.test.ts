import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { USER_COLORS } from "../../server/auth";
import { buildUser, TestClient, type ErrorBody } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe("accounts", () => {
  it("signs up without signing in, then signs in and out with an HttpOnly SameSite=Lax session cookie", async () => {
    const user = buildUser();
    const anon = new TestClient(server.url);
    const signUp = await anon.request("POST", "/api/auth/sign-up/email", user);
    expect(signUp.status).toBe(200);
    expect(signUp.body).toMatchObject({ user: { email: user.email, name: user.name } });
    expect(signUp.body).not.toHaveProperty("token");
    // Sign-up never signs in: it answers a registered email the same way (see below).
    expect(signUp.headers.getSetCookie().filter((c) => c.includes("session_token"))).toEqual([]);
    expect((await anon.request("GET", "/api/users/me")).status).toBe(401);

    const signIn = await anon.request("POST", "/api/auth/sign-in/email", { email: user.email, password: user.password });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.getSetCookie().find((c) => c.includes("session_token"));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
    // The session secret stays in the HttpOnly cookie, out of reach of page scripts: in no body.
    expect(signIn.body).not.toHaveProperty("token");
    const session = await anon.request<{ session: Record<string, unknown> }>("GET", "/api/auth/get-session");
    expect(session.status).toBe(200);
    expect(session.body.session).toMatchObject({ expiresAt: expect.any(String) });
    expect(session.body.session).not.toHaveProperty("token");
    const sessions = await anon.request<Array<Record<string, unknown>>>("GET", "/api/auth/list-sessions");
    expect(sessions.status).toBe(200);
    expect(sessions.body.length).toBeGreaterThan(0);
    for (const listed of sessions.body) expect(listed).not.toHaveProperty("token");

    const me = await anon.request<{ id: string; email: string; name: string; color: string }>("GET", "/api/users/me");
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: user.email, name: user.name });
    expect(USER_COLORS).toContain(me.body.color);

    expect((await anon.request("POST", "/api/auth/sign-out", {})).status).toBe(200);
    expect((await anon.request("GET", "/api/users/me")).status).toBe(401);

    const again = new TestClient(server.url);
    const signInAgain = await again.request("POST", "/api/auth/sign-in/email", { email: user.email, password: user.password });
    expect(signInAgain.status).toBe(200);
    const meAgain = await again.request<{ id: string; color: string }>("GET", "/api/users/me");
    expect(meAgain.body).toMatchObject({ id: me.body.id, color: me.body.color });
  });

  it("refuses a wrong password with a JSON 401", async () => {
    const user = buildUser();
    await TestClient.signUp(server.url, user);
    const wrong = await new TestClient(server.url).request<ErrorBody>("POST", "/api/auth/sign-in/email", { email: user.email, password: "not the password" });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("unauthorized");
    expect(wrong.body.error.message).toBeTruthy();
  });

  it("answers a sign-up with a registered email exactly as a new one, and lets nobody in with its password", async () => {
    type SignUpBody = { user: Record<string, unknown> };
    const owner = buildUser();
    const client = await TestClient.signUp(server.url, owner);
    const other = buildUser({ email: owner.email.toUpperCase(), name: owner.name, password: "another password entirely" });
    const fresh = buildUser({ name: owner.name });

    const duplicate = await new TestClient(server.url).request<SignUpBody>("POST", "/api/auth/sign-up/email", other);
    const created = await new TestClient(server.url).request<SignUpBody>("POST", "/api/auth/sign-up/email", fresh);
    expect(duplicate.status).toBe(200);
    expect(created.status).toBe(200);
    // The same keys in the same order, the same kinds of values, the same headers.
    expect(Object.keys(duplicate.body.user)).toEqual(Object.keys(created.body.user));
    expect(duplicate.body.user).toMatchObject({ email: owner.email, name: owner.name, emailVerified: false, image: null });
    expect(duplicate.body.user.color).toBe(client.user?.color);
    expect(duplicate.body.user.id).not.toBe(client.user?.id);
    expect(typeof duplicate.body.user.color).toBe(typeof created.body.user.color);
    expect(typeof duplicate.body.user.createdAt).toBe(typeof created.body.user.createdAt);
    expect(Object.keys(duplicate.body)).toEqual(["user"]);
    expect(Object.keys(created.body)).toEqual(["user"]);
    const headerNames = (headers: Headers) => [...headers.keys()].filter((name) => name !== "date").sort();
    expect(headerNames(duplicate.headers)).toEqual(headerNames(created.headers));

    // The second sign-up changed nothing: its password does not open the account, the first does.
    const intruder = await new TestClient(server.url).request("POST", "/api/auth/sign-in/email", { email: owner.email, password: other.password });
    expect(intruder.status).toBe(401);
    const rightful = await new TestClient(server.url).request("POST", "/api/auth/sign-in/email", { email: owner.email, password: owner.password });
    expect(rightful.status).toBe(200);
  });

  it("answers 401 with a JSON error without a session", async () => {
    const reply = await new TestClient(server.url).request<ErrorBody>("GET", "/api/users/me");
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe("unauthorized");
    expect(reply.body.error.message).toBeTruthy();
  });

  it("answers unknown API routes with a JSON 404", async () => {
    const reply = await new TestClient(server.url).request<ErrorBody>("GET", "/api/nope");
    expect(reply.status).toBe(404);
    expect(reply.body.error.code).toBe("not_found");
  });
});

describe("sign-in rate limiting", () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ AUTH_RATE_LIMIT_MAX: "3" });
  });
  afterAll(() => limited?.close());

  it("answers 429 once a client exceeds the sign-in budget", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const reply = await new TestClient(limited.url).request("POST", "/api/auth/sign-in/email", { email: "nobody@example.test", password: "whatever-password" });
      statuses.push(reply.status);
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429]);
  });

  it("does not let a client choose its own bucket through X-Forwarded-For", async () => {
    const reply = await new TestClient(limited.url).request("POST", "/api/auth/sign-in/email", { email: "nobody@example.test", password: "whatever-password" }, { "x-forwarded-for": "203.0.113.9" });
    expect(reply.status).toBe(429);
  });
});
