/**
 * Shared fixtures of the event-stream integration tests (test/events/*.test.ts): users,
 * documents, mention nodes, raw collaboration sockets and stream predicates.
 */
import * as encoding from "lib0/encoding";
import WebSocket from "ws";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import type { NotificationView, PresenceUser } from "../../server/events/types";
import { TestClient } from "../helpers/client";
import { connectPeer, waitFor, type CollabPeer } from "../helpers/collab-client";
import { SseClient, type SseEvent } from "../helpers/sse-client";

export type User = NonNullable<TestClient["user"]>;

/**
 * Deadline of waits that depend on the database's throughput (many notifications stored one
 * transaction each): generous, for a loaded CI machine; it only matters when a test fails.
 */
export const BULK_TIMEOUT_MS = 20_000;
export type Role = "owner" | "editor" | "viewer";

/** The signed-in user of a client (the tests sign everyone up, so it is always there). */
export function userOf(client: TestClient): User {
  if (!client.user) throw new Error("the test client is not signed in");
  return client.user;
}

/** Signs up `names.length` fresh users in parallel. */
export async function signUpAll<const N extends readonly string[]>(baseUrl: string, names: N): Promise<{ [K in keyof N]: TestClient }> {
  return (await Promise.all(names.map((name) => TestClient.signUp(baseUrl, { name })))) as { [K in keyof N]: TestClient };
}

/** Creates a document owned by `owner` and shares it with each `[member, role]`. */
export async function createDocument(owner: TestClient, title: string, members: ReadonlyArray<readonly [TestClient, Exclude<Role, "owner">]> = []): Promise<string> {
  const created = await owner.request<{ id: string }>("POST", "/api/documents", { title });
  if (created.status !== 201) throw new Error(`creating a document failed: ${created.status} ${JSON.stringify(created.body)}`);
  for (const [member, role] of members) await share(owner, created.body.id, member, role);
  return created.body.id;
}

export async function share(owner: TestClient, documentId: string, member: TestClient, role: Exclude<Role, "owner">): Promise<void> {
  const reply = await owner.request("POST", `/api/documents/${documentId}/members`, { email: userOf(member).email, role });
  if (reply.status !== 201) throw new Error(`sharing failed: ${reply.status} ${JSON.stringify(reply.body)}`);
}

/** A Tiptap mention node of `user` (attributes `id`, `label`, `mentionId`), not yet in a document. */
export function mentionNode(user: { id: string; name: string }, mentionId: string): Y.XmlElement {
  const mention = new Y.XmlElement("mention");
  mention.setAttribute("id", user.id);
  mention.setAttribute("label", user.name);
  mention.setAttribute("mentionId", mentionId);
  return mention;
}

/** A paragraph `before @Name after`, not yet in a document. */
export function mentionParagraph(user: { id: string; name: string }, mentionId: string, before = "Please review this, ", after = " thanks!"): Y.XmlElement {
  const paragraph = new Y.XmlElement("paragraph");
  paragraph.insert(0, [new Y.XmlText(before), mentionNode(user, mentionId), new Y.XmlText(after)]);
  return paragraph;
}

/** Appends a paragraph holding one mention of `user` (one transaction). */
export function appendMention(fragment: Y.XmlFragment, user: { id: string; name: string }, mentionId: string): void {
  fragment.insert(fragment.length, [mentionParagraph(user, mentionId)]);
}

/** Mention ids found in a fragment, in document order. */
export function mentionIdsIn(node: Y.XmlFragment | Y.XmlElement): string[] {
  const ids: string[] = [];
  for (const child of node.toArray()) {
    if (!(child instanceof Y.XmlElement)) continue;
    if (child.nodeName === "mention") ids.push(String(child.getAttribute("mentionId")));
    else ids.push(...mentionIdsIn(child));
  }
  return ids;
}

// ---- Streams -----------------------------------------------------------------------------

export type PresenceData = { snapshot: boolean; documents: Array<{ documentId: string; users: PresenceUser[] }> };
export type DocumentData = { type: string; documentId: string; title?: string; role?: string };
export type ReadData = { ids: string[] | "all"; unreadCount: number };

export function notifications(stream: SseClient): NotificationView[] {
  return stream.named<NotificationView>("notification").map((e) => e.data);
}

export async function waitForMention(stream: SseClient, mentionId: string, timeoutMs = 10_000): Promise<NotificationView> {
  const find = (events: SseEvent[]) => events.find((e) => e.event === "notification" && (e.data as NotificationView).mentionId === mentionId);
  await stream.waitFor((events) => find(events) !== undefined, `a notification for mention ${mentionId}`, timeoutMs);
  return find(stream.events)?.data as NotificationView;
}

/** Waits for the presence snapshot that every stream starts with (the stream is then subscribed). */
export async function waitForSnapshot(stream: SseClient): Promise<PresenceData> {
  await stream.waitFor((events) => events.some((e) => e.event === "presence"), "the presence snapshot");
  const first = stream.named<PresenceData>("presence")[0];
  if (!first?.data.snapshot) throw new Error(`the first presence event is not a snapshot: ${JSON.stringify(first)}`);
  return first.data;
}

/** Presence changes (`snapshot: false`) of one document, as lists of user ids, in arrival order. */
export function presenceOf(stream: SseClient, documentId: string): string[][] {
  return stream
    .named<PresenceData>("presence")
    .filter((e) => !e.data.snapshot)
    .flatMap((e) => e.data.documents.filter((d) => d.documentId === documentId).map((d) => d.users.map((u) => u.id)));
}

/** Waits until the latest presence change of `documentId` lists exactly `userIds` (any order). */
export async function waitForPresence(stream: SseClient, documentId: string, userIds: string[], timeoutMs?: number): Promise<void> {
  const want = [...userIds].sort().join(",");
  await stream.waitFor(
    () => {
      const latest = presenceOf(stream, documentId).at(-1);
      return latest !== undefined && [...latest].sort().join(",") === want;
    },
    `presence of ${documentId} to be [${want}]`,
    timeoutMs,
  );
}

export function documentEvents(stream: SseClient): DocumentData[] {
  return stream.named<DocumentData>("document").map((e) => e.data);
}

export async function waitForDocumentEvent(stream: SseClient, type: string, documentId: string): Promise<DocumentData> {
  const find = () => documentEvents(stream).find((e) => e.type === type && e.documentId === documentId);
  await stream.waitFor(() => find() !== undefined, `a "${type}" document event for ${documentId}`);
  return find() as DocumentData;
}

/** Every event of the stream that mentions `documentId` anywhere in its data. */
export function eventsAbout(stream: SseClient, documentId: string): SseEvent[] {
  return stream.events.filter((e) => JSON.stringify(e.data).includes(documentId));
}

// ---- API -----------------------------------------------------------------------------------

export interface NotificationList {
  notifications: NotificationView[];
  unreadCount: number;
  nextCursor: string | null;
}

export async function listNotifications(client: TestClient, query = ""): Promise<NotificationList> {
  const reply = await client.request<NotificationList>("GET", `/api/notifications${query}`);
  if (reply.status !== 200) throw new Error(`listing notifications failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** Resolves when the async `check` holds, polling every 10 ms; rejects after `timeoutMs` with `what`. */
export async function pollUntil(check: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// ---- Raw collaboration sockets -----------------------------------------------------------

export interface RawSocket {
  ws: WebSocket;
  /** Resolves with the close code once the socket has closed (for any reason). */
  closed: Promise<{ code: number; reason: string }>;
  /** Sends a y-websocket sync `update` message carrying `update`. */
  sendUpdate(update: Uint8Array): void;
}

/**
 * A bare `ws` connection to `/collab/<documentId>` with the user's cookie and the app's Origin,
 * as a browser would send them; it speaks only what a test makes it send. `autoPong: false`
 * makes it ignore the server's heartbeat pings.
 */
export async function openRawSocket(client: TestClient, documentId: string, options: { autoPong?: boolean } = {}): Promise<RawSocket> {
  const url = `${client.baseUrl.replace(/^http/, "ws")}/collab/${documentId}`;
  const ws = new WebSocket(url, { headers: { cookie: client.cookieHeader, origin: client.baseUrl }, autoPong: options.autoPong ?? true });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  // Errors after opening show up as the close code.
  ws.on("error", () => undefined);
  return {
    ws,
    closed,
    sendUpdate: (update) => {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 0); // y-websocket messageSync
      syncProtocol.writeUpdate(encoder, update);
      ws.send(encoding.toUint8Array(encoder));
    },
  };
}

/** Waits until `ws` has closed; returns its close code. */
export async function closeCodeOf(socket: RawSocket, timeoutMs = 5_000): Promise<number> {
  let result: { code: number } | undefined;
  void socket.closed.then((r) => (result = r));
  await waitFor(() => result !== undefined, "the collaboration socket to close", timeoutMs);
  return (result as { code: number }).code;
}

/**
 * An event stream of `client`, answered 200 (and past its presence snapshot unless
 * `snapshot: false`); `cleanups` gets its close.
 */
export async function openStream(client: TestClient, cleanups: Array<() => unknown>, options: { snapshot?: boolean } = {}): Promise<SseClient> {
  const stream = await SseClient.open(client);
  cleanups.push(() => stream.close());
  if (stream.status !== 200) throw new Error(`the event stream answered ${stream.status}`);
  if (options.snapshot !== false) await waitForSnapshot(stream);
  return stream;
}

/** A y-websocket client of `client` on the document, synced unless `connect: false`; `cleanups` gets its destroy. */
export async function joinDocument(client: TestClient, documentId: string, cleanups: Array<() => unknown>, options: { doc?: Y.Doc; connect?: boolean } = {}): Promise<CollabPeer> {
  const peer = connectPeer(client, documentId, options);
  cleanups.push(() => peer.destroy());
  if (options.connect !== false) await waitFor(() => peer.provider.synced, `${userOf(client).name} synced to ${documentId}`);
  return peer;
}
