/**
 * Convergence on real history: the concurrent editing trace `clownschool` (several people
 * typing at once; format in test/fixtures/traces/README.md) replayed through the server, one
 * y-websocket client per author, into the one paragraph Tiptap would edit.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client";
import { connectPeer, textOf, waitFor, type CollabPeer } from "../helpers/collab-client";
import { REPO_ROOT, startTestServer, UNTHROTTLED, type TestServer } from "../helpers/server";
import { planReplay, readTrace, replay, type ConcurrentTrace } from "../helpers/trace-replay";

const TRACE = path.resolve(REPO_ROOT, "test/fixtures/traces/clownschool.json.gz");

let server: TestServer;
let trace: ConcurrentTrace;
beforeAll(async () => {
  // The replay sends at machine speed, far faster than anyone types.
  server = await startTestServer(UNTHROTTLED);
  trace = readTrace(TRACE);
});
afterAll(() => server?.close());

describe("replaying a real concurrent editing trace", () => {
  it("every client, the server and a fresh load end with exactly the trace's final text", { timeout: 45_000 }, async () => {
    expect(trace.kind).toBe("concurrent");
    const plan = planReplay(trace);
    expect(plan.offlineText).toBe(trace.endContent);

    const owner = await TestClient.signUp(server.url);
    const id = (await owner.request<{ id: string }>("POST", "/api/documents", { title: "clownschool" })).body.id;
    const clients: CollabPeer[] = Array.from({ length: trace.numAgents }, () => connectPeer(owner, id));
    try {
      await waitFor(() => clients.every((c) => c.provider.synced), "every client to sync");
      // In trace order, which interleaves the agents; an agent's client first waits (event-driven)
      // until the server has brought it everything its txn was made on.
      await replay(plan, clients.map((c) => c.doc));

      await waitFor(() => clients.every((c) => textOf(c.fragment) === trace.endContent), "every client to converge on endContent", 20_000);
      for (const c of clients) expect(textOf(c.fragment)).toBe(trace.endContent);
      const room = server.rooms.get(id);
      expect(room && textOf(room.doc.getXmlFragment("default"))).toBe(trace.endContent);
    } finally {
      for (const c of clients) c.destroy();
    }

    await waitFor(() => server.rooms.get(id) === undefined, "the room to store everything and unload", 20_000);
    const fresh = connectPeer(owner, id);
    try {
      await waitFor(() => fresh.provider.synced, "a fresh client to load the stored document");
      expect(fresh.fragment.length).toBe(1);
      expect(textOf(fresh.fragment)).toBe(trace.endContent);
    } finally {
      fresh.destroy();
    }
  });
});
