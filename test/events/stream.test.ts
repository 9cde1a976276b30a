/**
 * `GET /api/events` as a transport: authentication, headers, the first bytes and the heartbeat
 * (docs/SPEC.md, "Event stream").
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client";
import { SseClient } from "../helpers/sse-client";
import { startTestServer, type TestServer } from "../helpers/server";
import { signUpAll, waitForSnapshot } from "./support";

let server: TestServer;
let alice: TestClient;
beforeAll(async () => {
  // A short SSE heartbeat for [EV2]; nothing else in this file depends on it.
  server = await startTestServer({ SSE_HEARTBEAT_MS: "200" });
  [alice] = await signUpAll(server.url, ["Alice"]);
});
afterAll(() => server?.close());

describe("event stream", () => {
  it("[EV1] without a session: 401 with a JSON error, not a stream", async () => {
    for (const cookie of [undefined, "better-auth.session_token=forged.value"]) {
      const response = await fetch(`${server.url}/api/events`, { headers: { accept: "text/event-stream", ...(cookie ? { cookie } : {}) } });
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await response.json()).toMatchObject({ error: { code: "unauthorized" } });
    }
  });

  it("[EV1] an authenticated stream: SSE headers, uncompressed, starting with retry: 3000", async () => {
    const stream = await SseClient.open(alice, { headers: { "accept-encoding": "gzip, deflate, br" } });
    try {
      expect(stream.status).toBe(200);
      const headers = stream.headers as Headers;
      expect(headers.get("content-type")).toMatch(/^text\/event-stream/);
      expect(headers.get("cache-control")).toBe("no-cache, no-transform");
      expect(headers.get("x-accel-buffering")).toBe("no");
      expect(headers.get("content-encoding")).toBeNull();
      await waitForSnapshot(stream);
      expect(stream.raw.startsWith("retry: 3000\n\n")).toBe(true);
      // [EV3] only notifications carry an id.
      expect(stream.events.every((e) => e.id === undefined)).toBe(true);
      expect(stream.ended).toBe(false);
    } finally {
      await stream.close();
    }
  });

  it("[EV2] comment heartbeats (`: ping`) arrive every SSE_HEARTBEAT_MS and carry no event", async () => {
    const stream = await SseClient.open(alice);
    try {
      await waitForSnapshot(stream);
      const eventsBefore = stream.events.length;
      const pings = () => stream.comments.filter((c) => c === "ping").length;
      const pingsBefore = pings();
      const started = Date.now();
      await stream.waitFor(() => pings() >= pingsBefore + 3, "three more heartbeats", 5_000);
      // Three pings 200 ms apart span at least two periods: they follow the setting, not a burst.
      expect(Date.now() - started).toBeGreaterThanOrEqual(390);
      expect(stream.comments.every((c) => c === "ping")).toBe(true);
      expect(stream.raw).toContain("\n\n: ping\n\n");
      expect(stream.events.length).toBe(eventsBefore);
    } finally {
      await stream.close();
    }
  });
});
