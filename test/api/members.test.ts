import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClient, type ErrorBody } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/server";

interface Detail {
  id: string;
  role: string;
  members: Array<{ user: { id: string; email: string }; role: string }>;
}

let server: TestServer;
let owner: TestClient;
let member: TestClient;
let outsider: TestClient;

beforeAll(async () => {
  server = await startTestServer();
  [owner, member, outsider] = await Promise.all([
    TestClient.signUp(server.url, { name: "Olivia" }),
    TestClient.signUp(server.url, { name: "Max" }),
    TestClient.signUp(server.url, { name: "Oscar" }),
  ]);
});
afterAll(() => server?.close());

async function newDocument(): Promise<string> {
  const reply = await owner.request<Detail>("POST", "/api/documents", { title: "Shared" });
  return reply.body.id;
}

const id = (client: TestClient) => client.user?.id ?? "";
const email = (client: TestClient) => client.user?.email ?? "";

describe("POST /api/documents/:id/members", () => {
  it("shares by email (case-insensitive) with a role; the member then sees it", async () => {
    const doc = await newDocument();
    const reply = await owner.request<{ user: { id: string }; role: string }>("POST", `/api/documents/${doc}/members`, { email: email(member).toUpperCase(), role: "viewer" });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ user: { id: id(member) }, role: "viewer" });
    const seen = await member.request<Detail>("GET", `/api/documents/${doc}`);
    expect(seen.status).toBe(200);
    expect(seen.body.role).toBe("viewer");
  });

  it("answers 409 for an existing member, 404 for an email without an account, 400 for bad input", async () => {
    const doc = await newDocument();
    await owner.request("POST", `/api/documents/${doc}/members`, { email: email(member), role: "editor" });
    const again = await owner.request<ErrorBody>("POST", `/api/documents/${doc}/members`, { email: email(member), role: "viewer" });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("conflict");
    const nobody = await owner.request<ErrorBody>("POST", `/api/documents/${doc}/members`, { email: "nobody-here@example.test", role: "viewer" });
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.message).toMatch(/no account/i);
    for (const body of [{ email: "not-an-email", role: "viewer" }, { email: email(outsider), role: "owner" }, { email: email(outsider) }]) {
      expect((await owner.request("POST", `/api/documents/${doc}/members`, body)).status, JSON.stringify(body)).toBe(400);
    }
  });

  it("is for owners only: editors get 403, non-members 404, anonymous 401", async () => {
    const doc = await newDocument();
    await owner.request("POST", `/api/documents/${doc}/members`, { email: email(member), role: "editor" });
    expect((await member.request("POST", `/api/documents/${doc}/members`, { email: email(outsider), role: "viewer" })).status).toBe(403);
    expect((await outsider.request("POST", `/api/documents/${doc}/members`, { email: email(outsider), role: "viewer" })).status).toBe(404);
    expect((await new TestClient(server.url).request("POST", `/api/documents/${doc}/members`, { email: email(outsider), role: "viewer" })).status).toBe(401);
  });
});

describe("PATCH /api/documents/:id/members/:userId", () => {
  it("changes a role; promoting to owner lets the first owner step down, but never the last owner", async () => {
    const doc = await newDocument();
    await owner.request("POST", `/api/documents/${doc}/members`, { email: email(member), role: "viewer" });
    const toEditor = await owner.request<{ role: string }>("PATCH", `/api/documents/${doc}/members/${id(member)}`, { role: "editor" });
    expect(toEditor.status).toBe(200);
    expect(toEditor.body.role).toBe("editor");

    const lastOwner = await owner.request<ErrorBody>("PATCH", `/api/documents/${doc}/members/${id(owner)}`, { role: "editor" });
    expect(lastOwner.status).toBe(409);

    expect((await owner.request("PATCH", `/api/documents/${doc}/members/${id(member)}`, { role: "owner" })).status).toBe(200);
    expect((await owner.request("PATCH", `/api/documents/${doc}/members/${id(owner)}`, { role: "viewer" })).status).toBe(200);
    const now = await owner.request<Detail>("GET", `/api/documents/${doc}`);
    expect(now.body.role).toBe("viewer");
  });

  it("never leaves a document without an owner when two owners demote each other at once", async () => {
    const doc = await newDocument();
    await owner.request("POST", `/api/documents/${doc}/members`, { email: email(member), role: "viewer" });
    await owner.request("PATCH", `/api/documents/${doc}/members/${id(member)}`, { role: "owner" });
    const [a, b] = await Promise.all([
      owner.request("PATCH", `/api/documents/${doc}/members/${id(member)}`, { role: "editor" }),
      member.request("PATCH", `/api/documents/${doc}/members/${id(owner)}`, { role: "editor" }),
    ]);
    expect([a.status, b.status].sort()).toContain(200);
    const detail = await owner.request<Detail>("GET", `/api/documents/${doc}`);
    expect(detail.body.members.filter((m) => m.role === "owner")).toHaveLength(1);
  });

  it("answers 403 to non-owners, 404 for a non-member target, 400 for a bad role", async () => {
    const doc = await newDocument();
    await owner.request("POST", `/api/documents/${doc}/members`, { email: email(member), role: "editor" });
    expect((await member.request("PATCH", `/api/documents/${doc}/members/${id(owner)}`, { role: "viewer" })).status).toBe(403);
    expect((await owner.request("PATCH", `/api/documents/${doc}/members/${id(outsider)}`, { role: "viewer" })).status).toBe(404);
    expect((await owner.request("PATCH", `/api/documents/${doc}/members/${id(member)}`, { role: "admin" })).status).toBe(400);
    expect((await outsider.request("PATCH", `/api/documents/${doc}/members/${id(member)}`, { role: "viewer" })).status).toBe(404);
  });
});

describe("DELETE /api/documents/:id/members/:userId", () => {
  it("lets an owner remove a member, and a member remove themselves", async () => {
    const doc = await newDocument();
    await owner.request("POST", `/api/documents/${doc}/members`, { email: email(member), role: "editor" });
    await owner.request("POST", `/api/documents/${doc}/members`, { email: email(outsider), role: "viewer" });
    expect((await member.request("DELETE", `/api/documents/${doc}/members/${id(outsider)}`)).status).toBe(403);
    expect((await owner.request("DELETE", `/api/documents/${doc}/members/${id(outsider)}`)).status).toBe(204);
    expect((await outsider.request("GET", `/api/documents/${doc}`)).status).toBe(404);
    expect((await member.request("DELETE", `/api/documents/${doc}/members/${id(member)}`)).status).toBe(204);
    expect((await member.request("GET", `/api/documents/${doc}`)).status).toBe(404);
  });

  it("refuses to remove the last owner (409) and answers 404 to non-members", async () => {
    const doc = await newDocument();
    expect((await owner.request("DELETE", `/api/documents/${doc}/members/${id(owner)}`)).status).toBe(409);
    expect((await outsider.request("DELETE", `/api/documents/${doc}/members/${id(owner)}`)).status).toBe(404);
    expect((await new TestClient(server.url).request("DELETE", `/api/documents/${doc}/members/${id(owner)}`)).status).toBe(401);
  });
});
