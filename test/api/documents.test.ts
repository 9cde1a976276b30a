import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClient, type ErrorBody } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/server";

interface Summary {
  id: string;
  title: string;
  role: string;
  updatedAt: string;
  owner: { id: string; name: string };
}
interface Detail extends Summary {
  members: Array<{ user: { id: string; name: string; email: string; color: string }; role: string }>;
}

let server: TestServer;
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  server = await startTestServer();
  alice = await TestClient.signUp(server.url, { name: "Alice" });
  bob = await TestClient.signUp(server.url, { name: "Bob" });
});
afterAll(() => server?.close());

async function createDocument(client: TestClient, title?: string): Promise<Detail> {
  const reply = await client.request<Detail>("POST", "/api/documents", title === undefined ? {} : { title });
  expect(reply.status).toBe(201);
  return reply.body;
}

describe("POST /api/documents", () => {
  it("creates a document owned by its creator, titled Untitled by default", async () => {
    const doc = await createDocument(alice);
    expect(doc).toMatchObject({ title: "Untitled", role: "owner", owner: { id: alice.user?.id, name: "Alice" } });
    expect(doc.members).toEqual([{ user: alice.user, role: "owner" }]);
  });

  it("rejects invalid input with 400", async () => {
    for (const body of [{ title: "" }, { title: "x".repeat(201) }, { title: 7 }, { title: "ok", extra: true }]) {
      const reply = await alice.request<ErrorBody>("POST", "/api/documents", body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error.code).toBe("bad_request");
    }
    const malformed = await alice.request<ErrorBody>("POST", "/api/documents", "{not json");
    expect(malformed.status).toBe(400);
    const notJson = await alice.request<ErrorBody>("POST", "/api/documents", undefined, { "content-type": "text/plain" });
    expect(notJson.status).toBe(415);
  });

  it("rejects a body over the limit with 413", async () => {
    const reply = await alice.request<ErrorBody>("POST", "/api/documents", { title: "x".repeat(100 * 1024) });
    expect(reply.status).toBe(413);
    expect(reply.body.error.code).toBe("payload_too_large");
  });

  it("requires a session (401)", async () => {
    expect((await new TestClient(server.url).request("POST", "/api/documents", {})).status).toBe(401);
  });

  it("refuses a request from another origin (403) and one with no Origin", async () => {
    const evil = new TestClient(server.url, "https://evil.example");
    const signedIn = await alice.request("GET", "/api/users/me");
    expect(signedIn.status).toBe(200);
    const reply = await evil.request<ErrorBody>("POST", "/api/documents", {}, { cookie: alice.cookieHeader });
    expect(reply.status).toBe(403);
    const noOrigin = new TestClient(server.url, null);
    expect((await noOrigin.request("POST", "/api/documents", {}, { cookie: alice.cookieHeader })).status).toBe(403);
  });
});

describe("GET /api/documents", () => {
  it("lists only the user's documents, most recently updated first, filtered by ?q=", async () => {
    const carol = await TestClient.signUp(server.url, { name: "Carol" });
    const first = await createDocument(carol, "Quarterly plan");
    const second = await createDocument(carol, "Meeting notes");
    await createDocument(bob, "Bob's secret");
    const list = await carol.request<Summary[]>("GET", "/api/documents");
    expect(list.status).toBe(200);
    expect(list.body.map((d) => d.id)).toEqual([second.id, first.id]);
    expect(list.body[0]).toEqual({ id: second.id, title: "Meeting notes", role: "owner", updatedAt: second.updatedAt, owner: { id: carol.user?.id, name: "Carol" } });

    await carol.request("PATCH", `/api/documents/${first.id}`, { title: "Quarterly plan v2" });
    const reordered = await carol.request<Summary[]>("GET", "/api/documents");
    expect(reordered.body.map((d) => d.id)).toEqual([first.id, second.id]);

    const filtered = await carol.request<Summary[]>("GET", "/api/documents?q=QUARTER");
    expect(filtered.body.map((d) => d.title)).toEqual(["Quarterly plan v2"]);
    expect((await carol.request("GET", `/api/documents?q=${"x".repeat(201)}`)).status).toBe(400);
  });

  it("requires a session (401)", async () => {
    expect((await new TestClient(server.url).request("GET", "/api/documents")).status).toBe(401);
  });
});

describe("GET /api/documents/:id", () => {
  it("returns the document with its members", async () => {
    const doc = await createDocument(alice, "Spec");
    const reply = await alice.request<Detail>("GET", `/api/documents/${doc.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: doc.id, title: "Spec", role: "owner", members: [{ user: alice.user, role: "owner" }] });
  });

  it("answers 404 to a non-member and for a missing document, 400 for a malformed id, 401 without a session", async () => {
    const doc = await createDocument(alice, "Private");
    const asBob = await bob.request<ErrorBody>("GET", `/api/documents/${doc.id}`);
    expect(asBob.status).toBe(404);
    const missing = await alice.request<ErrorBody>("GET", "/api/documents/00000000-0000-4000-8000-000000000000");
    expect(missing.status).toBe(404);
    expect(asBob.body).toEqual(missing.body);
    expect((await alice.request("GET", "/api/documents/not-a-uuid")).status).toBe(400);
    expect((await new TestClient(server.url).request("GET", `/api/documents/${doc.id}`)).status).toBe(401);
  });
});

describe("PATCH /api/documents/:id", () => {
  it("lets editors and owners rename; viewers get 403, non-members 404, bad titles 400", async () => {
    const doc = await createDocument(alice, "Draft");
    const dave = await TestClient.signUp(server.url, { name: "Dave" });
    const erin = await TestClient.signUp(server.url, { name: "Erin" });
    await alice.request("POST", `/api/documents/${doc.id}/members`, { email: dave.user?.email, role: "editor" });
    await alice.request("POST", `/api/documents/${doc.id}/members`, { email: erin.user?.email, role: "viewer" });

    const byOwner = await alice.request<Detail>("PATCH", `/api/documents/${doc.id}`, { title: "  Final  " });
    expect(byOwner.status).toBe(200);
    expect(byOwner.body.title).toBe("Final");
    const byEditor = await dave.request<Detail>("PATCH", `/api/documents/${doc.id}`, { title: "Final, edited" });
    expect(byEditor.status).toBe(200);
    expect(byEditor.body.role).toBe("editor");
    const byViewer = await erin.request<ErrorBody>("PATCH", `/api/documents/${doc.id}`, { title: "Hijacked" });
    expect(byViewer.status).toBe(403);
    expect(byViewer.body.error.code).toBe("forbidden");
    expect((await bob.request("PATCH", `/api/documents/${doc.id}`, { title: "x" })).status).toBe(404);
    expect((await alice.request("PATCH", `/api/documents/${doc.id}`, { title: "   " })).status).toBe(400);
    expect((await alice.request("PATCH", `/api/documents/${doc.id}`, {})).status).toBe(400);
    expect((await new TestClient(server.url).request("PATCH", `/api/documents/${doc.id}`, { title: "x" })).status).toBe(401);

    const after = await erin.request<Detail>("GET", `/api/documents/${doc.id}`);
    expect(after.body.title).toBe("Final, edited");
  });
});

describe("DELETE /api/documents/:id", () => {
  it("lets only an owner delete; the document is gone for every member", async () => {
    const doc = await createDocument(alice, "To delete");
    await alice.request("POST", `/api/documents/${doc.id}/members`, { email: bob.user?.email, role: "editor" });
    const byEditor = await bob.request<ErrorBody>("DELETE", `/api/documents/${doc.id}`);
    expect(byEditor.status).toBe(403);
    expect((await new TestClient(server.url).request("DELETE", `/api/documents/${doc.id}`)).status).toBe(401);
    const byOwner = await alice.request("DELETE", `/api/documents/${doc.id}`);
    expect(byOwner.status).toBe(204);
    expect((await bob.request("GET", `/api/documents/${doc.id}`)).status).toBe(404);
    const bobsList = await bob.request<Summary[]>("GET", "/api/documents");
    expect(bobsList.body.map((d) => d.id)).not.toContain(doc.id);
    expect((await alice.request("DELETE", `/api/documents/${doc.id}`)).status).toBe(404);
  });
});
