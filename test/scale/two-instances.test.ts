/**
 * Two Tandem processes side by side, as behind a load balancer without sticky sessions: one
 * PostgreSQL database, one Redis. Whatever instance a client reaches, it co-edits, sees cursors
 * and presence, and gets its notifications as if there were one server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { connectPeer, textOf, waitFor, type CollabPeer } from "../helpers/collab-client";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { spawnInstance, type ChildInstance } from "../helpers/instances";
import { REDIS_URL, skipWithoutRedis } from "../helpers/redis";
import { SseClient } from "../helpers/sse-client";
import { appendMention, appendParagraph, createSharedDocument, eventually, notificationIds, presentIn, signUpEverywhere, type Person } from "./support";

const noRedis = skipWithoutRedis("test/scale/two-instances.test.ts");

describe.skipIf(noRedis)("two instances sharing one database and one Redis", () => {
  let db: TestDatabase;
  let instances: ChildInstance[] = [];
  const cleanups: Array<() => unknown> = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    instances = await Promise.all([0, 1].map(() => spawnInstance(db.url, { REDIS_URL: REDIS_URL as string, PRESENCE_BEAT_MS: "300" })));
  });
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await Promise.all(instances.map((instance) => instance.kill("SIGTERM")));
    await db?.drop();
  });

  const urls = () => instances.map((instance) => instance.url);
  const peer = (person: Person, instance: number, documentId: string): CollabPeer => {
    const p = connectPeer(person.on(instance), documentId);
    cleanups.push(() => p.destroy());
    return p;
  };
  const stream = async (person: Person, instance: number, options: { lastEventId?: string } = {}): Promise<SseClient> => {
    const s = await SseClient.open(person.on(instance), options);
    cleanups.push(() => s.close());
    expect(s.status).toBe(200);
    await s.waitFor((events) => events.some((e) => e.event === "presence"), "the presence snapshot");
    return s;
  };

  it("clients on each instance edit one document concurrently and converge", async () => {
    const [alice, bob] = await Promise.all([signUpEverywhere(urls(), "Alice"), signUpEverywhere(urls(), "Bob")]);
    const id = await createSharedDocument(alice.on(0), "Concurrent", [bob]);
    // Two clients on instance 0 (one relays to the other locally), one on instance 1.
    const peers = [peer(alice, 0, id), peer(bob, 0, id), peer(bob, 1, id)];
    await waitFor(() => peers.every((p) => p.provider.synced), "every client to sync");
    const [a, , c] = peers as [CollabPeer, CollabPeer, CollabPeer];
    appendParagraph(a.fragment, "|");
    await waitFor(() => peers.every((p) => textOf(p.fragment) === "|"), "the seed paragraph everywhere");

    // Both sides type into the same paragraph at once, each round without waiting for the other.
    const texts = [a, c].map((p) => (p.fragment.get(0) as Y.XmlElement).get(0) as Y.XmlText);
    for (let round = 0; round < 60; round++) {
      texts.forEach((text, side) => text.insert(side === 0 ? 0 : text.length, side === 0 ? "a" : "c"));
      if (round % 5 === 4) await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => peers.every((p) => textOf(p.fragment) === textOf(a.fragment)) && textOf(a.fragment).length === 121, "every client to converge", 10_000);
    expect(textOf(a.fragment)).toBe(`${"a".repeat(60)}|${"c".repeat(60)}`);
    for (const p of peers) expect(textOf(p.fragment)).toBe(textOf(a.fragment));
  });

  it("a cursor set on one instance is seen on the other, carrying the user the server set", async () => {
    const [alice, bob] = await Promise.all([signUpEverywhere(urls(), "Alice"), signUpEverywhere(urls(), "Bob")]);
    const id = await createSharedDocument(alice.on(0), "Cursors", [bob]);
    const [a, b] = [peer(alice, 0, id), peer(bob, 1, id)];
    await waitFor(() => a.provider.synced && b.provider.synced, "both to sync");

    a.provider.awareness.setLocalState({ cursor: { anchor: 3, head: 5 }, user: { id: bob.user.id, name: "Mallory", color: "#000000" } });
    const seen = () => b.provider.awareness.getStates().get(a.doc.clientID) as { cursor?: unknown; user?: unknown } | undefined;
    await waitFor(() => seen()?.cursor !== undefined, "alice's cursor on bob's client");
    expect(seen()).toEqual({ cursor: { anchor: 3, head: 5 }, user: { id: alice.user.id, name: alice.user.name, color: alice.user.color } });

    // Leaving on one instance removes the cursor on the other.
    a.provider.disconnect();
    await waitFor(() => seen() === undefined, "alice's cursor to disappear from bob's client");
  });

  it("presence crosses instances: a stream on one instance sees who is connected to the other", async () => {
    const [alice, bob] = await Promise.all([signUpEverywhere(urls(), "Alice"), signUpEverywhere(urls(), "Bob")]);
    const id = await createSharedDocument(alice.on(0), "Presence", [bob]);
    const bobsStream = await stream(bob, 1);
    expect(presentIn(bobsStream, id)).toEqual([]);

    const a = peer(alice, 0, id);
    await waitFor(() => a.provider.synced, "alice to sync on instance 0");
    await bobsStream.waitFor(() => presentIn(bobsStream, id).includes(alice.user.id), "alice present in bob's stream on instance 1");
    expect(presentIn(bobsStream, id)).toEqual([alice.user.id]);

    // A stream opened now gets her in its snapshot, from the other instance's word.
    const later = await stream(bob, 1);
    expect(presentIn(later, id)).toEqual([alice.user.id]);

    a.provider.disconnect();
    await bobsStream.waitFor(() => presentIn(bobsStream, id).length === 0, "alice to leave bob's stream on instance 1");
  });

  it("a mention typed on one instance notifies the user's stream on the other; resuming on the first replays what was missed", async () => {
    const [alice, bob] = await Promise.all([signUpEverywhere(urls(), "Alice"), signUpEverywhere(urls(), "Bob")]);
    const id = await createSharedDocument(alice.on(0), "Mentions", [bob]);
    const a = peer(alice, 0, id);
    await waitFor(() => a.provider.synced, "alice to sync on instance 0");

    const onOne = await stream(bob, 1);
    appendMention(a.fragment, bob.user, "scale-m1");
    await onOne.waitFor(() => notificationIds(onOne).length === 1, "the notification on instance 1");
    const [[firstId, firstMention] = []] = notificationIds(onOne);
    expect(firstMention).toBe("scale-m1");
    expect(firstId).toMatch(/^\d+$/);
    await onOne.close();

    // While bob has no stream open, two more mentions are stored.
    appendMention(a.fragment, bob.user, "scale-m2");
    appendMention(a.fragment, bob.user, "scale-m3");
    const stored = async () => (await bob.on(0).request<{ notifications: unknown[] }>("GET", "/api/notifications")).body.notifications.length;
    await eventually(async () => (await stored()) === 3, "the two missed notifications to be stored");

    // Bob's browser reconnects through the balancer to the other instance, with its Last-Event-ID.
    const onZero = await stream(bob, 0, { lastEventId: firstId as string });
    await onZero.waitFor(() => notificationIds(onZero).length >= 2, "the missed notifications replayed on instance 0");
    appendMention(a.fragment, bob.user, "scale-m4");
    await onZero.waitFor(() => notificationIds(onZero).length >= 3, "the live notification on instance 0");
    expect(notificationIds(onZero).map(([, mention]) => mention)).toEqual(["scale-m2", "scale-m3", "scale-m4"]);
    const ids = notificationIds(onZero).map(([notificationId]) => BigInt(notificationId as string));
    expect(ids.every((value, i) => i === 0 ? value > BigInt(firstId as string) : value > (ids[i - 1] as bigint))).toBe(true);
  });
});
