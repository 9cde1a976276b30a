/**
 * Two Tandem processes on one database and one Redis, and what each fault costs: Redis going
 * away while people type, and an instance dying. Redis is shared with other test files running
 * at the same time, so "Redis goes away" is simulated by killing exactly this test's instances'
 * connections (by name); a real restart of redis-server is opt-in (TANDEM_TEST_REDIS_RESTART=1).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import type * as Y from "yjs";
import { connectPeer, textOf, waitFor, type CollabPeer } from "../helpers/collab-client";
import { createTestDatabase } from "../helpers/database";
import { spawnInstance, type ChildInstance } from "../helpers/instances";
import { busConnectionNames, REDIS_URL, RedisAdmin, skipWithoutRedis } from "../helpers/redis";
import { SseClient } from "../helpers/sse-client";
import { appendParagraph, createSharedDocument, eventually, presentIn, signUpEverywhere, type Person } from "./support";

const BEAT_MS = 300;
const noRedis = skipWithoutRedis("test/scale/faults.test.ts");
const restartOptIn = process.env.TANDEM_TEST_REDIS_RESTART === "1";
if (!noRedis && !restartOptIn) {
  console.warn("SKIPPED the real Redis restart in test/scale/faults.test.ts: it restarts the redis-server other test files share; set TANDEM_TEST_REDIS_RESTART=1 to run it.");
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Two instances on a fresh database, killed and dropped after the test. */
async function cluster(): Promise<{ instances: [ChildInstance, ChildInstance]; urls: string[] }> {
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  const instances = await Promise.all([0, 1].map(() => spawnInstance(db.url, { REDIS_URL: REDIS_URL as string, PRESENCE_BEAT_MS: String(BEAT_MS) })));
  for (const instance of instances) cleanups.push(() => instance.kill("SIGKILL"));
  return { instances: instances as [ChildInstance, ChildInstance], urls: instances.map((i) => i.url) };
}

function peer(person: Person, instance: number, documentId: string, doc?: Y.Doc): CollabPeer {
  const p = connectPeer(person.on(instance), documentId, doc ? { doc } : {});
  cleanups.push(() => p.destroy());
  return p;
}

function admin(): RedisAdmin {
  const redis = new RedisAdmin(REDIS_URL as string);
  cleanups.push(() => redis.close());
  return redis;
}

/** The text node of the document's first paragraph. */
const firstParagraph = (p: CollabPeer) => (p.fragment.get(0) as Y.XmlElement).get(0) as Y.XmlText;

/** Resolves with the text once every peer holds the same text, which holds every `expected` piece. */
async function converged(peers: CollabPeer[], expected: string[], what: string, timeoutMs = 10_000): Promise<string> {
  const first = peers[0] as CollabPeer;
  await waitFor(() => {
    const text = textOf(first.fragment);
    return peers.every((p) => textOf(p.fragment) === text) && expected.every((piece) => text.includes(piece));
  }, what, timeoutMs);
  return textOf(first.fragment);
}

/** Resolves once none of `instances` has the document loaded (everything stored and compacted). */
async function unloadedEverywhere(instances: ChildInstance[], documentId: string): Promise<void> {
  for (const instance of instances) {
    await eventually(async () => !(await instance.roomLoaded(documentId)), `the room to unload on ${instance.url}`, 15_000);
  }
}

/** What a new client loads from the instance at `index`. */
async function loaded(person: Person, index: number, documentId: string): Promise<string> {
  const fresh = peer(person, index, documentId);
  await waitFor(() => fresh.provider.synced, "a fresh client to load the document");
  return textOf(fresh.fragment);
}

describe.skipIf(noRedis)("faults with two instances", () => {
  it("Redis connections killed while people type: each instance keeps serving its own clients, and all converge once Redis is back", { timeout: 45_000 }, async () => {
    const { instances, urls } = await cluster();
    const [alice, bob] = await Promise.all([signUpEverywhere(urls, "Alice"), signUpEverywhere(urls, "Bob")]);
    const id = await createSharedDocument(alice.on(0), "Outage", [bob]);
    const peers = [peer(alice, 0, id), peer(bob, 0, id), peer(alice, 1, id), peer(bob, 1, id)];
    const [a0, b0, a1, b1] = peers as [CollabPeer, CollabPeer, CollabPeer, CollabPeer];
    await waitFor(() => peers.every((p) => p.provider.synced), "every client to sync");
    appendParagraph(a0.fragment, "");
    await waitFor(() => peers.every((p) => p.fragment.length === 1), "the paragraph everywhere");

    const redis = admin();
    const names = instances.flatMap((instance) => busConnectionNames(instance.instanceId));
    expect(await redis.kill(names)).toBe(4);
    const expected: string[] = [];
    for (let round = 0; round < 12; round++) {
      // Whatever came back is killed again: Redis stays unreliable throughout the editing.
      await redis.kill(names);
      const [mine0, mine1, theirs0, theirs1] = [`<0:${round}>`, `<1:${round}>`, `(0:${round})`, `(1:${round})`];
      firstParagraph(a0).insert(0, mine0);
      firstParagraph(a1).insert(0, mine1);
      firstParagraph(b0).insert(firstParagraph(b0).length, theirs0);
      firstParagraph(b1).insert(firstParagraph(b1).length, theirs1);
      expected.push(mine0, mine1, theirs0, theirs1);
      // Within an instance, edits flow whatever Redis does.
      await waitFor(() => textOf(b0.fragment).includes(mine0) && textOf(a0.fragment).includes(theirs0), `round ${round} between instance 0's clients`, 3_000);
      await waitFor(() => textOf(b1.fragment).includes(mine1) && textOf(a1.fragment).includes(theirs1), `round ${round} between instance 1's clients`, 3_000);
    }

    // Redis is left alone now: the instances reconnect, exchange state vectors and heal.
    const healed = await converged(peers, expected, "all four clients to converge after Redis came back");
    for (const p of peers) p.destroy();
    await unloadedEverywhere(instances, id);
    expect(await loaded(alice, 1, id)).toBe(healed);
  });

  it("an instance killed with SIGKILL: its clients move to the other with nothing lost, and its users leave presence within 3 beats", { timeout: 45_000 }, async () => {
    const { instances, urls } = await cluster();
    const [alice, bob, carol] = await Promise.all([signUpEverywhere(urls, "Alice"), signUpEverywhere(urls, "Bob"), signUpEverywhere(urls, "Carol")]);
    const id = await createSharedDocument(alice.on(0), "Crash", [bob, carol]);
    const watching = await SseClient.open(bob.on(0));
    cleanups.push(() => watching.close());
    const a = peer(alice, 0, id);
    const c = peer(carol, 1, id);
    await waitFor(() => a.provider.synced && c.provider.synced, "alice (instance 0) and carol (instance 1) to sync");
    await watching.waitFor(() => presentIn(watching, id).length === 2, "alice and carol present in bob's stream on instance 0");

    appendParagraph(a.fragment, "alice was here.");
    appendParagraph(c.fragment, "carol was here.");
    await converged([a, c], ["alice was here.", "carol was here."], "both to see both paragraphs");

    // Carol types, and her instance dies at once: whether it stored or relayed this is a race.
    appendParagraph(c.fragment, "typed as it crashed.");
    const killedAt = Date.now();
    expect(await instances[1].kill("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
    appendParagraph(c.fragment, "typed while disconnected.");

    await watching.waitFor(() => !presentIn(watching, id).includes(carol.user.id), "carol to leave presence", 5_000);
    // 3 beats after the crash at most, plus the fan-out's own work (a database read, the stream write).
    expect(Date.now() - killedAt).toBeLessThanOrEqual(3 * BEAT_MS + 150);
    expect(presentIn(watching, id)).toEqual([alice.user.id]);

    // Carol's editor reconnects through the balancer to the surviving instance, with its document.
    c.provider.destroy();
    const moved = peer(carol, 0, id, c.doc);
    await waitFor(() => moved.provider.synced, "carol to sync on instance 0");
    const pieces = ["alice was here.", "carol was here.", "typed as it crashed.", "typed while disconnected."];
    const final = await converged([a, moved], pieces, "alice and carol to converge on instance 0");
    await watching.waitFor(() => presentIn(watching, id).includes(carol.user.id), "carol present again, now on instance 0");

    a.destroy();
    moved.destroy();
    await unloadedEverywhere([instances[0]], id);
    expect(await loaded(bob, 0, id)).toBe(final);
  });

  it.skipIf(!restartOptIn)("a real Redis restart (opt-in): the instances reconnect and heal", { timeout: 45_000 }, async () => {
    const { instances, urls } = await cluster();
    const [alice, bob] = await Promise.all([signUpEverywhere(urls, "Alice"), signUpEverywhere(urls, "Bob")]);
    const id = await createSharedDocument(alice.on(0), "Restart", [bob]);
    const [a, b] = [peer(alice, 0, id), peer(bob, 1, id)];
    await waitFor(() => a.provider.synced && b.provider.synced, "both to sync");
    appendParagraph(a.fragment, "before the restart.");
    await converged([a, b], ["before the restart."], "both to see the first paragraph");

    const redis = admin();
    const port = new URL(REDIS_URL as string).port || "6379";
    // SHUTDOWN closes the connection that sent it, which redis-cli reports as an error.
    spawnSync("redis-cli", ["-u", REDIS_URL as string, "shutdown", "nosave"], { stdio: "ignore" });
    appendParagraph(a.fragment, "typed on 0 while Redis was down.");
    appendParagraph(b.fragment, "typed on 1 while Redis was down.");
    // As the CI machine starts Redis (nothing kept on disk), on REDIS_URL's port.
    execFileSync("redis-server", ["--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", port, "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"], { stdio: "ignore" });
    const names = instances.flatMap((instance) => busConnectionNames(instance.instanceId));
    await eventually(async () => (await redis.connections(names).catch(() => [])).length === 4, "the instances to reconnect to the restarted Redis", 15_000);
    await converged([a, b], ["before the restart.", "typed on 0 while Redis was down.", "typed on 1 while Redis was down."], "both to converge after the restart");
  });
});
