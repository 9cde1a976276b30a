/**
 * Who may do what: every route of the JSON API, the `/collab` upgrade and the event stream,
 * against every kind of caller, from one table (README "HTTP API", docs/SPEC.md [UP1]–[UP4],
 * [EV1]). A document you cannot access is 404, never 403 (its existence is not revealed); a
 * viewer editing or a non-owner sharing is 403; no session is 401; a request from another
 * Origin is 403. Every document-id route runs with the id in lowercase and in capitals: ids are
 * canonicalised, so both spellings get the same answer.
 *
 * Each cell gets its own document (owner, editor and viewer as in the table), so a cell that
 * deletes a document or removes a member changes nothing another cell uses. Those documents are
 * written straight into the database before the cells run (two statements for all of them):
 * the API's own creating and sharing are cells of the table.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, it } from "vitest";
import { createDatabaseClients } from "../../server/db/prisma";
import { TestClient } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/server";
import { signedIn, upgradeStatus, type SignedInClient } from "./support";

const ACTORS = ["anonymous", "signed-out", "non-member", "viewer", "editor", "owner"] as const;
type Actor = (typeof ACTORS)[number];
type Expected = Record<Actor, number>;

/** Expected statuses in the order of ACTORS. */
function answers(anonymous: number, signedOut: number, nonMember: number, viewer: number, editor: number, owner: number): Expected {
  return { anonymous, "signed-out": signedOut, "non-member": nonMember, viewer, editor, owner };
}

/** What a cell knows of the world: the users, and its own document with the id as spelled. */
interface Cell {
  documentId: string;
  owner: SignedInClient;
  editor: SignedInClient;
  viewer: SignedInClient;
  outsider: SignedInClient;
}

interface Row {
  name: string;
  kind: "http" | "upgrade" | "events";
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  path: (cell: Cell) => string;
  body?: (cell: Cell) => unknown;
  /** Has a document id in the path: runs with it in lowercase and in capitals. */
  documentRoute: boolean;
  /** The Origin the request carries: the app's (as a page of the app), or another site's. */
  origin?: "app" | "foreign";
  expected: Expected;
}

const MATRIX: Row[] = [
  { name: "GET /api/users/me", kind: "http", method: "GET", path: () => "/api/users/me", documentRoute: false, expected: answers(401, 401, 200, 200, 200, 200) },
  { name: "GET /api/documents", kind: "http", method: "GET", path: () => "/api/documents", documentRoute: false, expected: answers(401, 401, 200, 200, 200, 200) },
  {
    name: "POST /api/documents",
    kind: "http",
    method: "POST",
    path: () => "/api/documents",
    body: () => ({ title: "Created by the matrix" }),
    documentRoute: false,
    expected: answers(401, 401, 201, 201, 201, 201),
  },
  { name: "GET /api/notifications", kind: "http", method: "GET", path: () => "/api/notifications", documentRoute: false, expected: answers(401, 401, 200, 200, 200, 200) },
  {
    name: "POST /api/notifications/read",
    kind: "http",
    method: "POST",
    path: () => "/api/notifications/read",
    body: () => ({ all: true }),
    documentRoute: false,
    expected: answers(401, 401, 200, 200, 200, 200),
  },
  { name: "GET /api/events", kind: "events", path: () => "/api/events", documentRoute: false, expected: answers(401, 401, 200, 200, 200, 200) },
  { name: "GET /api/documents/:id", kind: "http", method: "GET", path: (c) => `/api/documents/${c.documentId}`, documentRoute: true, expected: answers(401, 401, 404, 200, 200, 200) },
  {
    name: "PATCH /api/documents/:id (rename)",
    kind: "http",
    method: "PATCH",
    path: (c) => `/api/documents/${c.documentId}`,
    body: () => ({ title: "Renamed by the matrix" }),
    documentRoute: true,
    expected: answers(401, 401, 404, 403, 200, 200),
  },
  { name: "DELETE /api/documents/:id", kind: "http", method: "DELETE", path: (c) => `/api/documents/${c.documentId}`, documentRoute: true, expected: answers(401, 401, 404, 403, 403, 204) },
  {
    name: "POST /api/documents/:id/members (share with an account that is not a member)",
    kind: "http",
    method: "POST",
    path: (c) => `/api/documents/${c.documentId}/members`,
    body: (c) => ({ email: c.outsider.user.email, role: "viewer" }),
    documentRoute: true,
    expected: answers(401, 401, 404, 403, 403, 201),
  },
  {
    name: "PATCH /api/documents/:id/members/:userId (the viewer → editor)",
    kind: "http",
    method: "PATCH",
    path: (c) => `/api/documents/${c.documentId}/members/${c.viewer.user.id}`,
    body: () => ({ role: "editor" }),
    documentRoute: true,
    expected: answers(401, 401, 404, 403, 403, 200),
  },
  {
    name: "PATCH /api/documents/:id/members/:userId (the only owner → editor)",
    kind: "http",
    method: "PATCH",
    path: (c) => `/api/documents/${c.documentId}/members/${c.owner.user.id}`,
    body: () => ({ role: "editor" }),
    documentRoute: true,
    expected: answers(401, 401, 404, 403, 403, 409),
  },
  {
    name: "DELETE /api/documents/:id/members/:userId (the viewer)",
    kind: "http",
    method: "DELETE",
    path: (c) => `/api/documents/${c.documentId}/members/${c.viewer.user.id}`,
    documentRoute: true,
    // The viewer leaving is allowed; the editor removing someone else is not.
    expected: answers(401, 401, 404, 204, 403, 204),
  },
  {
    name: "DELETE /api/documents/:id/members/:userId (the editor)",
    kind: "http",
    method: "DELETE",
    path: (c) => `/api/documents/${c.documentId}/members/${c.editor.user.id}`,
    documentRoute: true,
    expected: answers(401, 401, 404, 403, 204, 204),
  },
  {
    name: "DELETE /api/documents/:id/members/:userId (the only owner)",
    kind: "http",
    method: "DELETE",
    path: (c) => `/api/documents/${c.documentId}/members/${c.owner.user.id}`,
    documentRoute: true,
    // The owner leaving would leave the document without an owner: 409.
    expected: answers(401, 401, 404, 403, 403, 409),
  },
  { name: "upgrade /collab/:id", kind: "upgrade", path: (c) => `/collab/${c.documentId}`, documentRoute: true, expected: answers(401, 401, 404, 101, 101, 101) },
  // A page on another site, with the caller's cookies: refused before anything else is looked at.
  {
    name: "PATCH /api/documents/:id (rename) from another Origin",
    kind: "http",
    method: "PATCH",
    path: (c) => `/api/documents/${c.documentId}`,
    body: () => ({ title: "Renamed cross-origin" }),
    documentRoute: true,
    origin: "foreign",
    expected: answers(403, 403, 403, 403, 403, 403),
  },
  { name: "upgrade /collab/:id from another Origin", kind: "upgrade", path: (c) => `/collab/${c.documentId}`, documentRoute: true, origin: "foreign", expected: answers(403, 403, 403, 403, 403, 403) },
];

const FOREIGN_ORIGIN = "https://evil.example";

let server: TestServer;
let owner: SignedInClient;
let editor: SignedInClient;
let viewer: SignedInClient;
let nonMember: SignedInClient;
let outsider: SignedInClient;
/** The cookie of a session that was ended with POST /api/auth/sign-out. */
let signedOutCookie: string;

beforeAll(async () => {
  server = await startTestServer();
  let signingOut: SignedInClient;
  [owner, editor, viewer, nonMember, outsider, signingOut] = await Promise.all([
    signedIn(server.url),
    signedIn(server.url),
    signedIn(server.url),
    signedIn(server.url),
    signedIn(server.url),
    signedIn(server.url),
  ]);
  signedOutCookie = signingOut.cookieHeader;
  if (!signedOutCookie.includes("session_token")) throw new Error(`no session cookie to end: ${JSON.stringify(signedOutCookie)}`);
  const signOut = await signingOut.request("POST", "/api/auth/sign-out", {});
  if (signOut.status !== 200) throw new Error(`sign-out failed: ${signOut.status} ${JSON.stringify(signOut.body)}`);
  const needed = MATRIX.filter((row) => row.documentRoute).reduce((sum, row) => sum + casesOf(row).length, 0);
  documents.push(...(await createDocuments(needed)));
});
afterAll(() => server?.close());

/** Documents of `owner` shared with `editor` and `viewer`, one per cell, made in beforeAll. */
const documents: string[] = [];

/** Writes `count` documents of `owner`, shared with `editor` (editor) and `viewer` (viewer). */
async function createDocuments(count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  const clients = createDatabaseClients(server.databaseUrl, { poolSize: 1 });
  try {
    await clients.sql.query(`INSERT INTO document (id, title, "updatedAt") SELECT unnest($1::uuid[]), 'Matrix', now()`, [ids]);
    const members = ids.flatMap((id) => [
      [id, owner.user.id, "owner"],
      [id, editor.user.id, "editor"],
      [id, viewer.user.id, "viewer"],
    ]);
    await clients.sql.query(`INSERT INTO document_member ("documentId", "userId", role) SELECT unnest($1::uuid[]), unnest($2::text[]), unnest($3::text[])::"Role"`, [
      members.map((m) => m[0]),
      members.map((m) => m[1]),
      members.map((m) => m[2]),
    ]);
  } finally {
    await clients.close();
  }
  return ids;
}

/** A document of its own for one cell. */
function freshDocument(): string {
  const id = documents.pop();
  if (id === undefined) throw new Error("no fixture document left: the count made in beforeAll is too small");
  return id;
}

/** The Cookie header of an actor, or none. */
function cookieOf(actor: Actor): string | undefined {
  switch (actor) {
    case "anonymous":
      return undefined;
    case "signed-out":
      return signedOutCookie;
    case "non-member":
      return nonMember.cookieHeader;
    case "viewer":
      return viewer.cookieHeader;
    case "editor":
      return editor.cookieHeader;
    case "owner":
      return owner.cookieHeader;
    default: {
      const unknown: never = actor;
      throw new Error(`unknown actor ${String(unknown)}`);
    }
  }
}

/** What the server answers `actor` for `row` (an HTTP status; 101 for an accepted upgrade). */
async function statusOf(row: Row, actor: Actor, cell: Cell): Promise<number> {
  const cookie = cookieOf(actor);
  const origin = row.origin === "foreign" ? FOREIGN_ORIGIN : server.url;
  const headers: Record<string, string> = { origin, ...(cookie !== undefined ? { cookie } : {}) };
  switch (row.kind) {
    case "upgrade":
      return upgradeStatus(server.url.replace(/^http/, "ws") + row.path(cell), headers);
    case "events": {
      const controller = new AbortController();
      const response = await fetch(server.url + row.path(cell), { headers: { ...headers, accept: "text/event-stream" }, signal: controller.signal });
      const status = response.status;
      await response.body?.cancel();
      controller.abort();
      return status;
    }
    case "http": {
      // A client without cookies of its own: the actor's Cookie (if any) and Origin go as headers.
      const client = new TestClient(server.url, origin);
      const reply = await client.request(row.method ?? "GET", row.path(cell), row.body?.(cell), cookie !== undefined ? { cookie } : {});
      return reply.status;
    }
    default: {
      const unknown: never = row.kind;
      throw new Error(`unknown row kind ${String(unknown)}`);
    }
  }
}

interface CellCase {
  actor: Actor;
  spelling: "lowercase" | "capitals" | "none";
  expected: number;
  label: string;
}

function casesOf(row: Row): CellCase[] {
  const spellings = row.documentRoute ? (["lowercase", "capitals"] as const) : (["none"] as const);
  return ACTORS.flatMap((actor) =>
    spellings.map((spelling) => ({
      actor,
      spelling,
      expected: row.expected[actor],
      label: `${actor}${spelling === "none" ? "" : `, id in ${spelling}`} → ${row.expected[actor]}`,
    })),
  );
}

// The cells are independent (each has its own document), so a row's cells run concurrently.
describe.each(MATRIX)("$name", (row) => {
  it.concurrent.for(casesOf(row))("$label", async ({ actor, spelling, expected }, { expect }) => {
    const id = row.documentRoute ? freshDocument() : "";
    const cell: Cell = { documentId: spelling === "capitals" ? id.toUpperCase() : id, owner, editor, viewer, outsider };
    expect(await statusOf(row, actor, cell)).toBe(expected);
  });
});
