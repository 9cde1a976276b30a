/**
 * Convergence on real history across instances: the concurrent editing trace `friendsforever`
 * (format in test/fixtures/traces/README.md) replayed with its agents split across two instances that
 * share one database and one Redis, one y-websocket client per agent. Every causal dependency
 * between the agents crosses Redis.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectPeer, textOf, waitFor, type CollabPeer } from "../helpers/collab-client";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { startInstance, type InProcessInstance } from "../helpers/instances";
import { UNTHROTTLED } from "../helpers/server";
import { REDIS_URL, skipWithoutRedis } from "../helpers/redis";
import { REPO_ROOT } from "../helpers/server";
import { planReplay, readTrace, replay } from "../helpers/trace-replay";
import { signUpEverywhere } from "./support";

const TRACE = path.resolve(REPO_ROOT, "test/fixtures/traces/friendsforever.json.gz");
const noRedis = skipWithoutRedis("test/scale/trace.test.ts");

describe.skipIf(noRedis)("replaying a real concurrent trace across two instances", () => {
  let db: TestDatabase;
  let instances: InProcessInstance[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    instances = await Promise.all([0, 1].map(() => startInstance(db.url, { ...UNTHROTTLED, REDIS_URL: REDIS_URL as string })));
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await db?.drop();
  });

  it("every client, both rooms and a fresh load after both rooms unload end with exactly the trace's final text", { timeout: 50_000 }, async () => {
    const trace = readTrace(TRACE);
    const plan = planReplay(trace);
    expect(plan.offlineText).toBe(trace.endContent);
    expect(trace.numAgents).toBeGreaterThanOrEqual(2);

    const owner = await signUpEverywhere(instances.map((i) => i.url), "Owner");
    const reply = await owner.on(0).request<{ id: string }>("POST", "/api/documents", { title: "friendsforever" });
    expect(reply.status).toBe(201);
    const id = reply.body.id;
    // Agent i on instance i mod 2.
    const clients: CollabPeer[] = Array.from({ length: trace.numAgents }, (_, agent) => connectPeer(owner.on(agent % 2), id));
    try {
      await waitFor(() => clients.every((c) => c.provider.synced), "every client to sync");
      await replay(plan, clients.map((c) => c.doc));
      await waitFor(() => clients.every((c) => textOf(c.fragment) === trace.endContent), "every client to converge on endContent", 20_000);
      for (const c of clients) expect(textOf(c.fragment)).toBe(trace.endContent);
      for (const instance of instances) {
        const room = instance.rooms.get(id);
        expect(room && textOf(room.doc.getXmlFragment("default"))).toBe(trace.endContent);
      }
    } finally {
      for (const c of clients) c.destroy();
    }

    await waitFor(() => instances.every((instance) => instance.rooms.get(id) === undefined), "both rooms to store everything and unload", 20_000);
    for (const index of [0, 1]) {
      const fresh = connectPeer(owner.on(index), id);
      try {
        await waitFor(() => fresh.provider.synced, `a fresh client of instance ${index} to load the stored document`);
        expect(fresh.fragment.length).toBe(1);
        expect(textOf(fresh.fragment)).toBe(trace.endContent);
      } finally {
        fresh.destroy();
      }
      // Each fresh load is checked on a cold room: wait for it to unload again.
      await waitFor(() => instances[index]?.rooms.get(id) === undefined, "the room to unload again", 20_000);
    }
  });
});
