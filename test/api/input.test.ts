/**
 * The API's input defects of "Hardening I": bodies over the limit, control characters in titles
 * and searches, LIKE wildcards in searches, lengths in characters, account names, and the Origin
 * rule on better-auth's routes. Every refusal is a status with the API's JSON error.
 */
import { Agent, request as httpRequest, type OutgoingHttpHeaders } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildUser, TestClient, type ErrorBody } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/server";

let server: TestServer;
let alice: TestClient;
beforeAll(async () => {
  server = await startTestServer();
  alice = await TestClient.signUp(server.url, { name: "Alice" });
});
afterAll(() => server?.close());

const KiB = 1024;
/** One character: three code points (woman, zero-width joiner, laptop), five UTF-16 units. */
const CODER = "👩‍💻";

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** Whether the request went out on a connection an earlier request had used. */
  reusedSocket: boolean;
}

/**
 * One request with node's HTTP client, which sends the whole body before it reads the answer.
 * `body` as chunks is sent without Content-Length (chunked).
 */
function send(agent: Agent, method: string, path: string, body: Buffer | Buffer[] | undefined, headers: OutgoingHttpHeaders = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const sized = Buffer.isBuffer(body) ? { "content-length": body.length } : {};
    const req = httpRequest(server.url + path, { agent, method, headers: { origin: server.url, cookie: alice.cookieHeader, ...sized, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : null, reusedSocket: req.reusedSocket });
      });
    });
    req.on("error", reject);
    if (Array.isArray(body)) {
      for (const chunk of body) req.write(chunk);
      req.end();
    } else req.end(body);
  });
}

/** A JSON body of exactly `bytes` bytes: a document whose title fills it. */
function jsonBody(bytes: number): Buffer {
  const frame = JSON.stringify({ title: "" }).length;
  return Buffer.from(JSON.stringify({ title: "x".repeat(bytes - frame) }));
}

function expectError(reply: { status: number; body: unknown }, status: number, code: string): void {
  expect(reply.status).toBe(status);
  const body = reply.body as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(body.error.message).toEqual(expect.any(String));
}

describe("bodies over 64 KiB", () => {
  it("answer 413 to a client that sends the whole body first, and the connection stays usable", async () => {
    for (const size of [65 * KiB, 256 * KiB, 1024 * KiB]) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const reply = await send(agent, "POST", "/api/documents", jsonBody(size), { "content-type": "application/json" });
        expectError(reply, 413, "payload_too_large");
        const next = await send(agent, "GET", "/api/users/me", undefined);
        expect(next.status).toBe(200);
        expect(next.reusedSocket).toBe(true);
      } finally {
        agent.destroy();
      }
    }
  });

  it("answer 413 to fetch, on sign-up too", async () => {
    for (const [path, size] of [["/api/documents", 256 * KiB], ["/api/auth/sign-up/email", 1024 * KiB]] as const) {
      const reply = await alice.request("POST", path, jsonBody(size).toString());
      expectError(reply, 413, "payload_too_large");
      expect((await alice.request("GET", "/api/users/me")).status).toBe(200);
    }
  });

  it("answer 413 to a chunked body (no Content-Length) over the limit, and accept one under it", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const large = jsonBody(256 * KiB);
      const chunks = Array.from({ length: 16 }, (_, i) => large.subarray((i * large.length) / 16, ((i + 1) * large.length) / 16));
      expectError(await send(agent, "POST", "/api/documents", chunks, { "content-type": "application/json" }), 413, "payload_too_large");
      const small = Buffer.from(JSON.stringify({ title: "Chunked" }));
      const created = await send(agent, "POST", "/api/documents", [small.subarray(0, 5), small.subarray(5)], { "content-type": "application/json" });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ title: "Chunked" });
      expect(created.reusedSocket).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it("answer 413 at once, closing the connection, when the declared body is over 1 MiB (not read)", async () => {
    const agent = new Agent({ keepAlive: true });
    const reply = await new Promise<RawReply>((resolve, reject) => {
      const req = httpRequest(server.url + "/api/documents", {
        agent,
        method: "POST",
        headers: { origin: server.url, cookie: alice.cookieHeader, "content-type": "application/json", "content-length": 2 * 1024 * KiB },
      });
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString()), reusedSocket: false });
          req.destroy();
        });
      });
      req.on("error", reject);
      // Headers only: the answer must not wait for a body it will not read.
      req.flushHeaders();
    }).finally(() => agent.destroy());
    expectError(reply, 413, "payload_too_large");
    expect(reply.headers.connection).toBe("close");
  });
});

describe("document titles", () => {
  it("refuse control characters (NUL included) with 400, on create and rename", async () => {
    const doc = await alice.request<{ id: string }>("POST", "/api/documents", { title: "Clean" });
    expect(doc.status).toBe(201);
    for (const title of ["a\u0000b", "\u0000", "bell\u0007", "tab\there", "two\nlines", "C1\u0085", "del\u007f", "line\u2028separator"]) {
      expectError(await alice.request("POST", "/api/documents", { title }), 400, "bad_request");
      expectError(await alice.request("PATCH", `/api/documents/${doc.body.id}`, { title }), 400, "bad_request");
    }
    const kept = await alice.request<{ title: string }>("GET", `/api/documents/${doc.body.id}`);
    expect(kept.body.title).toBe("Clean");
  });

  it("are counted in characters as a person counts them: 200 of 👩‍💻 pass, 201 do not", async () => {
    const longest = CODER.repeat(200);
    const created = await alice.request<{ id: string; title: string }>("POST", "/api/documents", { title: longest });
    expect(created.status).toBe(201);
    expect(created.body.title).toBe(longest);
    expectError(await alice.request("POST", "/api/documents", { title: CODER.repeat(201) }), 400, "bad_request");
    // Decomposed "é" (e + combining acute) is one character too.
    const accents = "e\u0301".repeat(200);
    expect((await alice.request("PATCH", `/api/documents/${created.body.id}`, { title: accents })).status).toBe(200);
    expectError(await alice.request("PATCH", `/api/documents/${created.body.id}`, { title: `${accents}e` }), 400, "bad_request");
    // Surrounding spaces are trimmed before counting.
    expect((await alice.request("PATCH", `/api/documents/${created.body.id}`, { title: `  ${"a".repeat(200)}  ` })).status).toBe(200);
  });
});

describe("the documents list's q", () => {
  it("refuses NUL and other control characters with 400", async () => {
    for (const q of ["\u0000", "a\u0000", "\u0001", "tab\tq", "\u009b"]) {
      expectError(await alice.request("GET", `/api/documents?q=${encodeURIComponent(q)}`), 400, "bad_request");
    }
  });

  it("matches %, _ and \\ literally", async () => {
    const searcher = await TestClient.signUp(server.url);
    for (const title of ["100% done", "snake_case", "back\\slash", "plain"]) {
      expect((await searcher.request("POST", "/api/documents", { title })).status).toBe(201);
    }
    const titles = async (q: string) => {
      const reply = await searcher.request<Array<{ title: string }>>("GET", `/api/documents?q=${encodeURIComponent(q)}`);
      expect(reply.status).toBe(200);
      return reply.body.map((d) => d.title).sort();
    };
    expect(await titles("%")).toEqual(["100% done"]);
    expect(await titles("0%")).toEqual(["100% done"]);
    expect(await titles("_")).toEqual(["snake_case"]);
    expect(await titles("e_c")).toEqual(["snake_case"]);
    expect(await titles("\\")).toEqual(["back\\slash"]);
    expect(await titles("K\\S")).toEqual(["back\\slash"]);
    expect(await titles("a")).toEqual(["back\\slash", "plain", "snake_case"]);
  });

  it("is counted in characters: 200 of 👩‍💻 pass, 201 do not", async () => {
    expect((await alice.request("GET", `/api/documents?q=${encodeURIComponent(CODER.repeat(200))}`)).status).toBe(200);
    expectError(await alice.request("GET", `/api/documents?q=${encodeURIComponent(CODER.repeat(201))}`), 400, "bad_request");
  });
});

describe("account names", () => {
  it("are refused at sign-up when longer than 100 characters, empty, or not one line", async () => {
    for (const name of ["n".repeat(60_000), "n".repeat(101), CODER.repeat(101), "", "   ", "a\u0000b", "a\nb", "bell\u0007"]) {
      expectError(await new TestClient(server.url).request("POST", "/api/auth/sign-up/email", buildUser({ name })), 400, "bad_request");
    }
  });

  it("are refused alike whether or not the email is registered", async () => {
    const registered = buildUser();
    await TestClient.signUp(server.url, registered);
    const reply = await new TestClient(server.url).request("POST", "/api/auth/sign-up/email", { ...registered, name: "n".repeat(101) });
    expectError(reply, 400, "bad_request");
  });

  it("are trimmed and counted in characters: 100 of 👩‍💻 pass", async () => {
    const spaced = await TestClient.signUp(server.url, { name: "  Ada Lovelace  " });
    expect(spaced.user?.name).toBe("Ada Lovelace");
    const coder = await TestClient.signUp(server.url, { name: CODER.repeat(100) });
    expect(coder.user?.name).toBe(CODER.repeat(100));
  });

  it("keep the rule on update-user", async () => {
    const bob = await TestClient.signUp(server.url, { name: "Bob" });
    for (const name of ["n".repeat(60_000), CODER.repeat(101), "  ", "a\u0000b", 42]) {
      expectError(await bob.request("POST", "/api/auth/update-user", { name }), 400, "bad_request");
    }
    expect((await bob.request("POST", "/api/auth/update-user", { name: "  Robert  " })).status).toBe(200);
    const me = await bob.request<{ name: string }>("GET", "/api/users/me");
    expect(me.body.name).toBe("Robert");
  });
});

describe("better-auth's routes", () => {
  it("refuse state-changing requests without the app's Origin with a JSON 403", async () => {
    const user = buildUser();
    await TestClient.signUp(server.url, user);
    const member = await TestClient.signUp(server.url);
    const requests: Array<[string, unknown]> = [
      ["/api/auth/sign-up/email", buildUser()],
      ["/api/auth/sign-in/email", { email: user.email, password: user.password }],
      ["/api/auth/sign-out", {}],
      ["/api/auth/update-user", { name: "Mallory" }],
    ];
    for (const origin of [null, "https://evil.example", server.url.replace("127.0.0.1", "localhost")]) {
      const client = new TestClient(server.url, origin);
      for (const [path, body] of requests) {
        const reply = await client.request("POST", path, body, { cookie: member.cookieHeader });
        expectError(reply, 403, "forbidden");
        expect(reply.headers.getSetCookie()).toEqual([]);
      }
    }
    // Nothing happened: the member is still signed in under their own name.
    const me = await member.request<{ name: string }>("GET", "/api/users/me");
    expect(me.status).toBe(200);
    expect(me.body.name).toBe(member.user?.name);
    // Reading needs no Origin.
    expect((await new TestClient(server.url, null).request("GET", "/api/auth/get-session", undefined, { cookie: member.cookieHeader })).status).toBe(200);
  });

  it("answer errors in the API's shape", async () => {
    const reply = await new TestClient(server.url).request("POST", "/api/auth/sign-up/email", buildUser({ password: "short" }));
    expectError(reply, 400, "bad_request");
  });
});
