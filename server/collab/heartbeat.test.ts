import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { WebSocket } from "ws";
import { Heartbeat } from "./heartbeat";

/** What Heartbeat uses of a socket: ping, terminate, and the pong and close events. */
class FakeSocket extends EventEmitter {
  pings = 0;
  terminated = false;
  answers = true;
  ping(): void {
    this.pings += 1;
    if (this.answers) queueMicrotask(() => this.emit("pong"));
  }
  terminate(): void {
    this.terminated = true;
    this.emit("close");
  }
}

const INTERVAL = 1_600;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("Heartbeat", () => {
  it("[HB1] pings every socket once per interval, a slice at a time", async () => {
    const heartbeat = new Heartbeat(INTERVAL);
    const sockets = Array.from({ length: 64 }, () => new FakeSocket());
    for (const socket of sockets) heartbeat.add(socket as unknown as WebSocket);

    await vi.advanceTimersByTimeAsync(INTERVAL / 16);
    expect(sockets.filter((s) => s.pings > 0)).toHaveLength(4);

    await vi.advanceTimersByTimeAsync(INTERVAL - INTERVAL / 16);
    expect(sockets.map((s) => s.pings)).toEqual(sockets.map(() => 1));
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(sockets.map((s) => s.pings)).toEqual(sockets.map(() => 2));
    expect(sockets.some((s) => s.terminated)).toBe(false);
    heartbeat.stop();
  });

  it("[HB1] terminates a socket that did not answer the previous ping, and no other", async () => {
    const heartbeat = new Heartbeat(INTERVAL);
    const [silent, answering] = [new FakeSocket(), new FakeSocket()];
    silent.answers = false;
    heartbeat.add(silent as unknown as WebSocket);
    heartbeat.add(answering as unknown as WebSocket);

    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(silent.pings).toBe(1);
    expect(silent.terminated).toBe(false);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(silent.terminated).toBe(true);
    expect(answering.terminated).toBe(false);

    // A closed socket leaves its slice: never pinged again.
    await vi.advanceTimersByTimeAsync(INTERVAL * 2);
    expect(silent.pings).toBe(1);
    expect(answering.pings).toBe(4);
    heartbeat.stop();
  });
});
