/**
 * @mention notifications: detection in accepted updates, deduplication, recipients, ids, read
 * receipts and the list API (docs/SPEC.md, "Notifications").
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { NotificationView } from "../../server/events/types";
import { TestClient } from "../helpers/client";
import { waitFor } from "../helpers/collab-client";
import { SseClient } from "../helpers/sse-client";
import { startTestServer, type TestServer } from "../helpers/server";
import {
  appendMention,
  BULK_TIMEOUT_MS,
  createDocument,
  joinDocument,
  listNotifications,
  mentionIdsIn,
  mentionNode,
  mentionParagraph,
  notifications,
  openRawSocket,
  openStream,
  pollUntil,
  signUpAll,
  userOf,
  waitForMention,
  type ReadData,
} from "./support";

let server: TestServer;
let alice: TestClient;
let bob: TestClient;
let carol: TestClient;
let dave: TestClient;
const cleanups: Array<() => unknown> = [];
let sequence = 0;

beforeAll(async () => {
  server = await startTestServer();
  [alice, bob, carol, dave] = await signUpAll(server.url, ["Alice", "Bob", "Carol", "Dave"]);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => server?.close());

/** A mention id unique in this run (mention ids are unique across the database). */
function newMentionId(label: string): string {
  sequence += 1;
  return `${label}-${sequence}-${Date.now().toString(36)}`;
}

const open = (client: TestClient) => openStream(client, cleanups);

const join = (client: TestClient, documentId: string, options: { doc?: Y.Doc; connect?: boolean } = {}) => joinDocument(client, documentId, cleanups, options);

const mentionsOf = (stream: SseClient, mentionId: string) => notifications(stream).filter((n) => n.mentionId === mentionId);

describe("mention detection", () => {
  it("[NT1] a mention typed live into an existing paragraph notifies", async () => {
    const doc = await createDocument(alice, "Live", [[bob, "editor"]]);
    const stream = await open(bob);
    const peer = await join(alice, doc);
    const paragraph = new Y.XmlElement("paragraph");
    paragraph.insert(0, [new Y.XmlText("Hello ")]);
    peer.fragment.insert(0, [paragraph]);
    // Typed a keystroke at a time: the mention lands in a block the server already has.
    const id = newMentionId("live");
    paragraph.insert(1, [mentionNode(userOf(bob), id)]);
    const notification = await waitForMention(stream, id);
    expect(notification.excerpt).toBe("Hello @Bob");
  });

  it("[NT1] mentions inside added blocks notify, however deep", async () => {
    const doc = await createDocument(alice, "Blocks", [[bob, "editor"]]);
    const stream = await open(bob);
    const peer = await join(alice, doc);
    const inParagraph = newMentionId("block");
    appendMention(peer.fragment, userOf(bob), inParagraph);
    // A pasted list: bulletList > listItem > paragraph > mention, all new in one transaction.
    const nested = newMentionId("nested");
    const list = new Y.XmlElement("bulletList");
    const item = new Y.XmlElement("listItem");
    item.insert(0, [mentionParagraph(userOf(bob), nested, "Item for ", "")]);
    list.insert(0, [item]);
    peer.fragment.insert(peer.fragment.length, [list]);
    await waitForMention(stream, inParagraph);
    expect((await waitForMention(stream, nested)).excerpt).toBe("Item for @Bob");
  });

  it("[NT1] a mention written offline notifies when the edits sync", async () => {
    const doc = await createDocument(alice, "Offline", [[bob, "editor"]]);
    const stream = await open(bob);
    const online = await join(alice, doc);
    online.fragment.insert(0, [mentionParagraph(userOf(dave), newMentionId("not-a-member"), "Earlier ", "")]);
    const offline = await join(alice, doc, { connect: false });
    const id = newMentionId("offline");
    appendMention(offline.fragment, userOf(bob), id);
    offline.provider.connect();
    await waitForMention(stream, id);
    await waitFor(() => mentionIdsIn(online.fragment).includes(id), "the offline edit to reach the other peer");
  });

  it("[NT1] a mention sent by a bare y-websocket client (one update message, no handshake) notifies", async () => {
    const doc = await createDocument(alice, "Bare client", [[bob, "editor"]]);
    const stream = await open(bob);
    const socket = await openRawSocket(alice, doc);
    cleanups.push(() => socket.ws.close());
    const local = new Y.Doc();
    const id = newMentionId("bare");
    appendMention(local.getXmlFragment("default"), userOf(bob), id);
    socket.sendUpdate(Y.encodeStateAsUpdate(local));
    const notification = await waitForMention(stream, id);
    expect(notification.author.id).toBe(userOf(alice).id);
  });
});

describe("notification content and ids", () => {
  it("[NT2][EV3] a notification carries the document, the author, an excerpt, and its id as the event id", async () => {
    const doc = await createDocument(alice, "Quarterly plan", [[bob, "editor"]]);
    const stream = await open(bob);
    const peer = await join(alice, doc);
    const id = newMentionId("fields");
    const before = Date.now();
    appendMention(peer.fragment, userOf(bob), id);
    const notification = await waitForMention(stream, id);
    expect(notification).toEqual({
      id: expect.stringMatching(/^\d+$/) as unknown,
      mentionId: id,
      document: { id: doc, title: "Quarterly plan" },
      author: { id: userOf(alice).id, name: "Alice", color: userOf(alice).color },
      excerpt: "Please review this, @Bob thanks!",
      createdAt: expect.any(String) as unknown,
      readAt: null,
    });
    expect(Date.parse(notification.createdAt)).toBeGreaterThanOrEqual(before - 5_000);
    expect(stream.named("notification").find((e) => (e.data as NotificationView).mentionId === id)?.id).toBe(notification.id);
    // The list holds the same notification.
    expect((await listNotifications(bob)).notifications.find((n) => n.mentionId === id)).toEqual(notification);

    // A long block is cut around the mention.
    const longId = newMentionId("long-block");
    const block = mentionParagraph(userOf(bob), longId, `${"before ".repeat(60)}`, `${" after".repeat(60)}`);
    peer.fragment.insert(peer.fragment.length, [block]);
    const cut = await waitForMention(stream, longId);
    expect(cut.excerpt).toContain("@Bob");
    expect(cut.excerpt.startsWith("…")).toBe(true);
    expect(cut.excerpt.endsWith("…")).toBe(true);
    expect(cut.excerpt.length).toBeLessThanOrEqual(170);
  });

  it("[NT5] a user's notification ids increase in delivery order, also across concurrent writers", async () => {
    const [author, reader, other] = await signUpAll(server.url, ["Author", "Reader", "Other"]);
    const doc = await createDocument(author, "Ids", [
      [reader, "editor"],
      [other, "editor"],
    ]);
    const stream = await open(reader);
    const peer = await join(author, doc);
    const expected: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const id = newMentionId("order");
      expected.push(id);
      appendMention(peer.fragment, userOf(reader), id);
    }
    // One transaction mentions the reader once and someone else many times; while the server is
    // still creating those, a second transaction mentions the reader again.
    const first = newMentionId("slow-batch");
    const batch = new Y.XmlElement("paragraph");
    batch.insert(0, [mentionNode(userOf(reader), first), ...Array.from({ length: 30 }, () => mentionNode(userOf(other), newMentionId("other")))]);
    peer.fragment.insert(peer.fragment.length, [batch]);
    await pollUntil(async () => (await listNotifications(reader)).notifications.some((n) => n.mentionId === first), "the batch's mention of the reader to be stored", BULK_TIMEOUT_MS);
    const second = newMentionId("after-batch");
    appendMention(peer.fragment, userOf(reader), second);
    expected.push(first, second);

    await stream.waitFor(() => notifications(stream).length >= expected.length, `${expected.length} notifications`, BULK_TIMEOUT_MS);
    const received = notifications(stream);
    expect(received).toHaveLength(expected.length);
    const ids = received.map((n) => BigInt(n.id));
    expect(ids.every((id, i) => i === 0 || id > (ids[i - 1] as bigint))).toBe(true);
    expect(new Set(received.map((n) => n.mentionId))).toEqual(new Set(expected));
    // The stored order (newest first) is the reverse of the delivery order.
    const stored = (await listNotifications(reader)).notifications;
    expect(stored.map((n) => n.id)).toEqual(received.map((n) => n.id).reverse());
  });
});

describe("deduplication and recipients", () => {
  it("[NT3] undo and redo of a mention notify once", async () => {
    const doc = await createDocument(alice, "Undo", [[bob, "editor"]]);
    const stream = await open(bob);
    const peer = await join(alice, doc);
    const observer = await join(bob, doc);
    const undo = new Y.UndoManager(peer.fragment, { captureTimeout: 0 });
    const id = newMentionId("undo");
    appendMention(peer.fragment, userOf(bob), id);
    await waitForMention(stream, id);
    undo.undo();
    await waitFor(() => !mentionIdsIn(observer.fragment).includes(id), "the undo to reach Bob's peer");
    undo.redo();
    await waitFor(() => mentionIdsIn(observer.fragment).includes(id), "the redo to reach Bob's peer");
    undo.undo();
    undo.redo();
    // Barrier: a later mention from the same connection.
    const barrier = newMentionId("barrier");
    appendMention(peer.fragment, userOf(bob), barrier);
    await waitForMention(stream, barrier);
    expect(mentionsOf(stream, id)).toHaveLength(1);
    expect((await listNotifications(bob)).notifications.filter((n) => n.mentionId === id)).toHaveLength(1);
    undo.destroy();
  });

  it("[NT3] pasting the same mention node again notifies once", async () => {
    const doc = await createDocument(alice, "Paste", [[bob, "editor"]]);
    const stream = await open(bob);
    const peer = await join(alice, doc);
    const id = newMentionId("paste");
    appendMention(peer.fragment, userOf(bob), id);
    await waitForMention(stream, id);
    // A second node with the same mentionId, pasted twice: into a new block and into an existing one.
    appendMention(peer.fragment, userOf(bob), id);
    (peer.fragment.get(0) as Y.XmlElement).insert(0, [mentionNode(userOf(bob), id)]);
    const barrier = newMentionId("barrier");
    appendMention(peer.fragment, userOf(bob), barrier);
    await waitForMention(stream, barrier);
    expect(mentionIdsIn(peer.fragment).filter((m) => m === id)).toHaveLength(3);
    expect(mentionsOf(stream, id)).toHaveLength(1);
  });

  it("[NT3] reconnecting and replaying the same updates from a new peer notify once", async () => {
    const doc = await createDocument(alice, "Replay", [
      [bob, "editor"],
      [dave, "editor"],
    ]);
    const stream = await open(bob);
    const peer = await join(alice, doc);
    const id = newMentionId("replay");
    appendMention(peer.fragment, userOf(bob), id);
    await waitForMention(stream, id);
    const state = Y.encodeStateAsUpdate(peer.doc);

    // The same tab reconnects and syncs again.
    peer.provider.disconnect();
    peer.provider.connect();
    await waitFor(() => peer.provider.synced, "Alice re-synced");
    // A new tab of Alice's, and another member, each bring the very same updates.
    for (const client of [alice, dave]) {
      const replayed = new Y.Doc();
      Y.applyUpdate(replayed, state);
      await join(client, doc, { doc: replayed });
    }
    // And a bare client sends them as one update message.
    const socket = await openRawSocket(dave, doc);
    cleanups.push(() => socket.ws.close());
    socket.sendUpdate(state);
    const barrier = newMentionId("barrier");
    socket.sendUpdate(
      (() => {
        const local = new Y.Doc();
        Y.applyUpdate(local, state);
        const before = Y.encodeStateVector(local);
        appendMention(local.getXmlFragment("default"), userOf(bob), barrier);
        return Y.encodeStateAsUpdate(local, before);
      })(),
    );
    await waitForMention(stream, barrier);
    expect(mentionsOf(stream, id)).toHaveLength(1);
  });

  it("[NT4] mentions of a non-member and of the author notify no one", async () => {
    const doc = await createDocument(alice, "Recipients", [[bob, "editor"]]);
    const carolsDoc = await createDocument(alice, "Carol is in this one", [[carol, "editor"]]);
    const [aliceStream, carolStream, bobStream] = await Promise.all([open(alice), open(carol), open(bob)]);
    const alicePeer = await join(alice, doc);
    const bobPeer = await join(bob, doc);
    const toCarol = newMentionId("non-member");
    const toSelf = newMentionId("self");
    const paragraph = new Y.XmlElement("paragraph");
    paragraph.insert(0, [mentionNode(userOf(carol), toCarol), new Y.XmlText(" and "), mentionNode(userOf(alice), toSelf)]);
    alicePeer.fragment.insert(0, [paragraph]);
    // Once Bob's peer has it, the server has accepted it (and run detection on it).
    await waitFor(() => mentionIdsIn(bobPeer.fragment).includes(toSelf), "Alice's paragraph to reach Bob");

    // Barriers: later mentions that do reach Alice and Carol.
    const bobToAlice = newMentionId("bob-to-alice");
    appendMention(bobPeer.fragment, userOf(alice), bobToAlice);
    const elsewherePeer = await join(alice, carolsDoc);
    const aliceToCarol = newMentionId("alice-to-carol");
    appendMention(elsewherePeer.fragment, userOf(carol), aliceToCarol);
    await waitForMention(aliceStream, bobToAlice);
    await waitForMention(carolStream, aliceToCarol);

    expect(notifications(aliceStream).map((n) => n.mentionId)).toEqual([bobToAlice]);
    expect(notifications(carolStream).filter((n) => n.document.id === doc)).toEqual([]);
    expect(notifications(bobStream).filter((n) => [toCarol, toSelf].includes(n.mentionId))).toEqual([]);
    const carols = await listNotifications(carol);
    expect(carols.notifications.map((n) => n.mentionId)).not.toContain(toCarol);
    const alices = await listNotifications(alice);
    expect(alices.notifications.map((n) => n.mentionId)).not.toContain(toSelf);
    expect(alices.notifications.map((n) => n.mentionId)).toContain(bobToAlice);
  });
});

describe("reading notifications", () => {
  it("[NT7] marking read by ids and all: every stream of the user hears it; unreadCount follows", async () => {
    const [author, reader, stranger] = await signUpAll(server.url, ["Author", "Reader", "Stranger"]);
    const doc = await createDocument(author, "Read", [[reader, "editor"]]);
    const [tab1, tab2, strangerStream] = await Promise.all([open(reader), open(reader), open(stranger)]);
    const peer = await join(author, doc);
    const mentionIds = [newMentionId("read"), newMentionId("read"), newMentionId("read")];
    for (const id of mentionIds) appendMention(peer.fragment, userOf(reader), id);
    await tab1.waitFor(() => notifications(tab1).length === 3, "three notifications", BULK_TIMEOUT_MS);
    const [first, second] = notifications(tab1).map((n) => n.id);
    expect((await listNotifications(reader)).unreadCount).toBe(3);

    // Someone else cannot mark them: the owner's count is unchanged and the owner hears nothing.
    const foreign = await stranger.request<{ unreadCount: number }>("POST", "/api/notifications/read", { ids: [first] });
    expect(foreign.status).toBe(200);
    expect(foreign.body.unreadCount).toBe(0);
    expect((await listNotifications(reader)).unreadCount).toBe(3);

    const byIds = await reader.request<{ unreadCount: number }>("POST", "/api/notifications/read", { ids: [first, second] });
    expect(byIds.status).toBe(200);
    expect(byIds.body.unreadCount).toBe(1);
    for (const stream of [tab1, tab2]) {
      await stream.waitFor(() => stream.named("notification-read").length === 1, "the read receipt");
      expect(stream.named<ReadData>("notification-read").map((e) => e.data)).toEqual([{ ids: [first, second], unreadCount: 1 }]);
      // [EV3] no id on non-notification events.
      expect(stream.named("notification-read")[0]?.id).toBeUndefined();
    }
    const list = await listNotifications(reader);
    expect(list.unreadCount).toBe(1);
    expect(list.notifications.filter((n) => n.readAt !== null).map((n) => n.id).sort()).toEqual([first, second].sort());

    const all = await reader.request<{ unreadCount: number }>("POST", "/api/notifications/read", { all: true });
    expect(all.body.unreadCount).toBe(0);
    for (const stream of [tab1, tab2]) {
      await stream.waitFor(() => stream.named("notification-read").length === 2, "the second read receipt");
      expect(stream.named<ReadData>("notification-read")[1]?.data).toEqual({ ids: "all", unreadCount: 0 });
    }
    expect((await listNotifications(reader)).notifications.every((n) => n.readAt !== null)).toBe(true);
    // The stranger's receipt went to the stranger's stream only.
    expect(strangerStream.named<ReadData>("notification-read").map((e) => e.data.unreadCount)).toEqual([0]);
  });

  it("[NT7] bad bodies are 400, anonymous requests 401", async () => {
    const bad: unknown[] = [{}, { ids: [] }, { ids: ["abc"] }, { ids: [1] }, { ids: ["-1"] }, { ids: ["1".repeat(30)] }, { all: false }, { all: true, ids: ["1"] }, { ids: ["1"], extra: 1 }, [], "not json"];
    for (const body of bad) {
      const reply = await bob.request("POST", "/api/notifications/read", body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
    }
    const tooMany = await bob.request("POST", "/api/notifications/read", { ids: Array.from({ length: 501 }, (_, i) => String(i + 1)) });
    expect(tooMany.status).toBe(400);
    // Within the pattern, yet beyond any id PostgreSQL can hold: still the client's mistake.
    const huge = await bob.request("POST", "/api/notifications/read", { ids: ["9999999999999999999"] });
    expect(huge.status).toBe(400);

    const anonymous = new TestClient(server.url);
    expect((await anonymous.request("POST", "/api/notifications/read", { all: true })).status).toBe(401);
    expect((await anonymous.request("GET", "/api/notifications")).status).toBe(401);
  });

  it("GET /api/notifications pages newest first by cursor and limit", async () => {
    const [author, reader] = await signUpAll(server.url, ["Author", "Reader"]);
    const doc = await createDocument(author, "Pages", [[reader, "editor"]]);
    const stream = await open(reader);
    const peer = await join(author, doc);
    for (let i = 0; i < 5; i += 1) appendMention(peer.fragment, userOf(reader), newMentionId("page"));
    await stream.waitFor(() => notifications(stream).length === 5, "five notifications", BULK_TIMEOUT_MS);
    const newestFirst = notifications(stream).map((n) => n.id).reverse();

    const pages: string[][] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page += 1) {
      const list: Awaited<ReturnType<typeof listNotifications>> = await listNotifications(reader, `?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      pages.push(list.notifications.map((n) => n.id));
      expect(list.unreadCount).toBe(5);
      cursor = list.nextCursor;
      if (cursor === null) break;
      expect(cursor).toBe(list.notifications.at(-1)?.id);
    }
    expect(pages).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)]);
    expect((await listNotifications(reader)).notifications.map((n) => n.id)).toEqual(newestFirst);
    expect((await listNotifications(reader, "?limit=5")).nextCursor).toBeNull();

    for (const query of ["?limit=0", "?limit=101", "?limit=abc", "?cursor=abc", "?cursor=-1", "?cursor=9999999999999999999"]) {
      expect((await reader.request("GET", `/api/notifications${query}`)).status, query).toBe(400);
    }
  });
});
