/**
 * Resuming the event stream from a notification id: replay, then live, with nothing lost or
 * repeated at the seam (docs/SPEC.md, [NT6]).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { NotificationView } from "../../server/events/types";
import type { TestClient } from "../helpers/client";
import { connectPeer, waitFor, type CollabPeer } from "../helpers/collab-client";
import { SseClient } from "../helpers/sse-client";
import { startTestServer, type TestServer } from "../helpers/server";
import {
  appendMention,
  BULK_TIMEOUT_MS, createDocument, listNotifications, mentionNode, notifications, pollUntil, signUpAll, userOf, waitForMention, waitForSnapshot } from "./support";

let server: TestServer;
const cleanups: Array<() => unknown> = [];
const run = Date.now().toString(36);

beforeAll(async () => {
  // These tests replay backlogs: one author writes 100 mentions in a minute, and 30 in one
  // update. The mention limits (NT8, NT9; tested in test/abuse/mentions.test.ts) would cut them.
  server = await startTestServer({ MENTIONS_PER_UPDATE: "1000", MENTIONS_PER_MINUTE: "100000" });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => server?.close());

async function open(client: TestClient, options: Parameters<typeof SseClient.open>[1] = {}): Promise<SseClient> {
  const stream = await SseClient.open(client, options);
  cleanups.push(() => stream.close());
  return stream;
}

/** An author with a synced peer on a document shared with a reader. */
async function pair(title: string): Promise<{ author: TestClient; reader: TestClient; peer: CollabPeer }> {
  const [author, reader] = await signUpAll(server.url, ["Author", "Reader"]);
  const doc = await createDocument(author, title, [[reader, "editor"]]);
  const peer = connectPeer(author, doc);
  cleanups.push(() => peer.destroy());
  await waitFor(() => peer.provider.synced, "the author's peer synced");
  return { author, reader, peer };
}

/** Stored notifications of the user, oldest first. */
async function stored(client: TestClient): Promise<NotificationView[]> {
  return (await listNotifications(client, "?limit=100")).notifications.reverse();
}

/**
 * Marks `id` read and waits for the receipt on `streams`: everything a stream had to send before
 * (replay, held live events) has then arrived.
 */
async function barrier(reader: TestClient, streams: SseClient[], id: string): Promise<void> {
  const before = streams.map((s) => s.named("notification-read").length);
  const reply = await reader.request("POST", "/api/notifications/read", { ids: [id] });
  expect(reply.status).toBe(200);
  await Promise.all(streams.map((s, i) => s.waitFor(() => s.named("notification-read").length > (before[i] as number), "the read receipt")));
}

const isIncreasing = (ids: string[]) => ids.every((id, i) => i === 0 || BigInt(id) > BigInt(ids[i - 1] as string));

describe("resuming the event stream", () => {
  it("[NT6] 100 cycles of disconnect, missed mention, resume: each missed notification exactly once, in order", { timeout: 120_000 }, async () => {
    const { reader, peer } = await pair("Resume");
    const received: NotificationView[] = [];
    let lastSeen = "0";
    let stream: SseClient | undefined;
    for (let cycle = 0; cycle < 100; cycle += 1) {
      await stream?.close();
      const mentionId = `cycle-${run}-${cycle}`;
      appendMention(peer.fragment, userOf(reader), mentionId);
      // Every other cycle the notification is certainly stored before the stream reopens (pure
      // replay); otherwise it races the reopening (replay or live, whichever wins).
      if (cycle % 2 === 1) await pollUntil(async () => (await stored(reader)).at(-1)?.mentionId === mentionId, `${mentionId} to be stored`);
      stream = await open(reader, { lastEventId: lastSeen });
      expect(stream.status).toBe(200);
      const notification = await waitForMention(stream, mentionId);
      await barrier(reader, [stream], notification.id);

      expect(stream.events[0]?.event).toBe("presence");
      expect(notifications(stream).map((n) => n.mentionId)).toEqual([mentionId]);
      expect(stream.named("notification")[0]?.id).toBe(notification.id);
      expect(BigInt(notification.id)).toBeGreaterThan(BigInt(lastSeen));
      received.push(notification);
      lastSeen = notification.id;
    }
    const all = await stored(reader);
    expect(all).toHaveLength(100);
    expect(isIncreasing(all.map((n) => n.id))).toBe(true);
    expect(all.map((n) => n.id)).toEqual(received.map((n) => n.id));
    expect(new Set(all.map((n) => n.mentionId)).size).toBe(100);
  });

  it("[NT6] a malformed Last-Event-ID is ignored: a 200 stream without replay", async () => {
    const { reader, peer } = await pair("Malformed");
    const live = await open(reader);
    await waitForSnapshot(live);
    appendMention(peer.fragment, userOf(reader), `malformed-${run}-1`);
    appendMention(peer.fragment, userOf(reader), `malformed-${run}-2`);
    await live.waitFor(() => notifications(live).length === 2, "two notifications", BULK_TIMEOUT_MS);
    const [first] = notifications(live).map((n) => n.id) as [string, string];

    const values = ["abc", "-1", "1e3", "1".repeat(30), "9999999999999999999", "0x1", "1.5", "1 2"];
    const streams = await Promise.all([
      ...values.map((value) => open(reader, { headers: { "last-event-id": value } })),
      ...values.map((value) => open(reader, { query: `?lastEventId=${encodeURIComponent(value)}` })),
    ]);
    for (const stream of streams) expect(stream.status).toBe(200);
    await Promise.all(streams.map((stream) => waitForSnapshot(stream)));
    await barrier(reader, streams, first);
    for (const [i, stream] of streams.entries()) {
      expect(notifications(stream), `stream ${i} (${values[i % values.length]})`).toEqual([]);
      expect(stream.ended, `stream ${i} (${values[i % values.length]}) ended`).toBe(false);
    }
  });

  it("[NT6] ?lastEventId= resumes like the header; the header (sent on reconnect) wins over the query", async () => {
    const { reader, peer } = await pair("Query");
    for (let i = 0; i < 3; i += 1) appendMention(peer.fragment, userOf(reader), `query-${run}-${i}`);
    await pollUntil(async () => (await stored(reader)).length === 3, "three stored notifications", BULK_TIMEOUT_MS);
    const ids = (await stored(reader)).map((n) => n.id) as [string, string, string];

    const [fromQueryZero, fromQueryFirst, fromHeaderFirst, headerOverQuery] = await Promise.all([
      open(reader, { query: "?lastEventId=0" }),
      open(reader, { query: `?lastEventId=${ids[0]}` }),
      open(reader, { lastEventId: ids[0] }),
      // An EventSource made with ?lastEventId=0 that reconnects after seeing ids[1].
      open(reader, { query: "?lastEventId=0", lastEventId: ids[1] }),
    ]);
    const streams = [fromQueryZero, fromQueryFirst, fromHeaderFirst, headerOverQuery];
    await barrier(reader, streams, ids[0]);
    expect(notifications(fromQueryZero).map((n) => n.id)).toEqual(ids);
    expect(notifications(fromQueryFirst).map((n) => n.id)).toEqual(ids.slice(1));
    expect(notifications(fromHeaderFirst).map((n) => n.id)).toEqual(ids.slice(1));
    expect(notifications(headerOverQuery).map((n) => n.id)).toEqual(ids.slice(2));
    // Replayed notifications carry their id as the event id, like live ones.
    expect(fromQueryZero.named("notification").map((e) => e.id)).toEqual(ids);
    // Then the stream is live.
    appendMention(peer.fragment, userOf(reader), `query-${run}-live`);
    for (const stream of streams) await waitForMention(stream, `query-${run}-live`);
  });

  it("[NT6] mentions created while a stream replays are neither lost nor repeated", async () => {
    const { reader, peer } = await pair("Seam");
    // A backlog to replay, in one transaction.
    const backlog = new Y.XmlElement("paragraph");
    backlog.insert(0, Array.from({ length: 30 }, (_, i) => mentionNode(userOf(reader), `seam-${run}-backlog-${i}`)));
    peer.fragment.insert(0, [backlog]);
    await pollUntil(async () => (await stored(reader)).length === 30, "the backlog to be stored", BULK_TIMEOUT_MS);

    // A burst of mentions, stored one batch after another over tens of milliseconds: streams
    // keep opening (authenticating, subscribing, replaying, going live) while they arrive, each
    // resuming from the newest id stored just before it opened.
    const burst = Array.from({ length: 40 }, (_, i) => `seam-${run}-${i}`);
    for (const mentionId of burst) appendMention(peer.fragment, userOf(reader), mentionId);
    const streams: Array<{ stream: SseClient; resumeFrom: string }> = [];
    for (let k = 0; k < 8; k += 1) {
      const now = await stored(reader);
      const resumeFrom = (now.at(-1) as NotificationView).id;
      const stream = await open(reader, { lastEventId: resumeFrom });
      streams.push({ stream, resumeFrom });
      await waitForSnapshot(stream);
      if (now.length === 30 + burst.length) break;
    }
    await pollUntil(async () => (await stored(reader)).length === 30 + burst.length, "the burst to be stored", BULK_TIMEOUT_MS);
    const all = (await stored(reader)).map((n) => n.id);
    for (const [k, { stream, resumeFrom }] of streams.entries()) {
      const expected = all.filter((id) => BigInt(id) > BigInt(resumeFrom));
      await stream.waitFor(() => notifications(stream).length >= expected.length, `stream ${k}: ${expected.length} notifications`, BULK_TIMEOUT_MS);
    }
    await barrier(
      reader,
      streams.map((s) => s.stream),
      all[0] as string,
    );
    for (const [k, { stream, resumeFrom }] of streams.entries()) {
      expect(notifications(stream).map((n) => n.id), `stream ${k}, resuming from ${resumeFrom}`).toEqual(all.filter((id) => BigInt(id) > BigInt(resumeFrom)));
    }
  });
});
