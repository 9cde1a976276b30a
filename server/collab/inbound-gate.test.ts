import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TrafficLimits } from "../limits";
import { CloseCode } from "./close-codes";
import { InboundGate, type GatedSocket } from "./inbound-gate";
import { decodeAwarenessUpdate, decodeMessage, encodeAwareness, encodeAwarenessUpdate, encodeQueryAwareness, encodeUpdate } from "./protocol";

function checkAwareness(data: Uint8Array): void {
  const message = decodeMessage(data);
  if (message.kind === "awareness") decodeAwarenessUpdate(message.update);
}

class FakeSocket implements GatedSocket {
  paused = false;
  readonly delivered: Uint8Array[] = [];
  deliver(data: Uint8Array): void {
    this.delivered.push(data);
  }
  readonly closes: Array<{ code: number; reason: string }> = [];
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  close(code: number, reason: string): void {
    this.closes.push({ code, reason });
  }
}

const unlimited = { messagesPerSecond: 1e9, messageBurst: 1e9, bytesPerSecond: 1e12, byteBurst: 1e12 };

function gate(options: { messagesPerSecond?: number; burst?: number; awarenessPerSecond?: number; queueMessages?: number; queueBytes?: number; throttleCloseMs?: number } = {}) {
  const traffic = new TrafficLimits({
    connection: { ...unlimited, messagesPerSecond: options.messagesPerSecond ?? 1e9, messageBurst: options.burst ?? 1e9 },
    user: unlimited,
    address: unlimited,
  });
  const socket = new FakeSocket();
  const delivered = socket.delivered;
  const g = new InboundGate(traffic.forConnection("u", "a"), socket, {
    awarenessPerSecond: options.awarenessPerSecond ?? 1e9,
    queueMessages: options.queueMessages ?? 1_000,
    queueBytes: options.queueBytes ?? 1e9,
    throttleCloseMs: options.throttleCloseMs ?? 60_000,
  }, checkAwareness);
  return { gate: g, socket, delivered };
}

const update = (n: number) => encodeUpdate(Uint8Array.of(n));
const cursor = (n: number) => encodeAwareness(encodeAwarenessUpdate([{ clientId: 1, clock: n + 1, state: { cursor: n } }]));

describe("InboundGate", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] }));
  afterEach(() => vi.useRealTimers());

  it("[LM1] delivers at once while under the limits", () => {
    const { gate: g, delivered, socket } = gate();
    for (let i = 0; i < 100; i++) g.receive(update(i));
    expect(delivered).toHaveLength(100);
    expect(socket.paused).toBe(false);
  });

  it("[LM1] over its rate a client is throttled: its socket pauses, the rest waits in order and is delivered as the bucket refills", async () => {
    const { gate: g, delivered, socket } = gate({ messagesPerSecond: 10, burst: 5 });
    for (let i = 0; i < 12; i++) g.receive(update(i));
    expect(delivered).toHaveLength(5);
    expect(socket.paused).toBe(true);
    await vi.advanceTimersByTimeAsync(350);
    expect(delivered.length).toBeGreaterThanOrEqual(8);
    expect(delivered.length).toBeLessThan(12);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(delivered.map((m) => m.at(-1))).toEqual([...Array(12).keys()]);
    expect(socket.paused).toBe(false);
    expect(socket.closes).toEqual([]);
  });

  it("[LM1] a client that keeps sending while throttled overflows its queue and is closed with 4429", () => {
    const { gate: g, socket } = gate({ messagesPerSecond: 10, burst: 5, queueMessages: 20 });
    for (let i = 0; i < 30; i++) g.receive(update(i));
    expect(socket.closes).toEqual([{ code: CloseCode.rateLimited, reason: expect.stringMatching(/slow down/) }]);
  });

  it("[LM1] a client throttled without a break for throttleCloseMs is closed with 4429; one that slows down is not", async () => {
    const { gate: g, socket, delivered } = gate({ messagesPerSecond: 10, burst: 5, throttleCloseMs: 2_000 });
    for (let i = 0; i < 30; i++) g.receive(update(i));
    await vi.advanceTimersByTimeAsync(1_500);
    expect(socket.closes).toEqual([]);
    // Still sending at twice its rate: the queue never empties.
    for (let i = 0; i < 10; i++) g.receive(update(100 + i));
    await vi.advanceTimersByTimeAsync(600);
    expect(socket.closes.map((c) => c.code)).toEqual([CloseCode.rateLimited]);
    const before = delivered.length;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(delivered).toHaveLength(before);

    const calm = gate({ messagesPerSecond: 10, burst: 5, throttleCloseMs: 2_000 });
    for (let i = 0; i < 15; i++) calm.gate.receive(update(i));
    await vi.advanceTimersByTimeAsync(1_100);
    expect(calm.socket.paused).toBe(false);
    for (let i = 0; i < 15; i++) calm.gate.receive(update(i));
    await vi.advanceTimersByTimeAsync(1_600);
    expect(calm.socket.closes).toEqual([]);
    expect(calm.delivered).toHaveLength(30);
  });

  it("[LM1] the queue is bounded in bytes too", () => {
    const { gate: g, socket } = gate({ messagesPerSecond: 1, burst: 1, queueBytes: 100 });
    g.receive(update(0));
    g.receive(encodeUpdate(new Uint8Array(60)));
    expect(socket.closes).toEqual([]);
    g.receive(encodeUpdate(new Uint8Array(60)));
    expect(socket.closes.map((c) => c.code)).toEqual([CloseCode.rateLimited]);
  });

  it("[LM3] awareness faster than its rate is coalesced: the latest state is delivered when due, the ones between are dropped", async () => {
    const { gate: g, delivered } = gate({ awarenessPerSecond: 2 });
    // A burst of 2 s worth passes.
    for (let i = 0; i < 4; i++) g.receive(cursor(i));
    for (let i = 4; i < 9; i++) g.receive(cursor(i));
    g.receive(encodeQueryAwareness());
    expect(delivered).toHaveLength(5);
    await vi.advanceTimersByTimeAsync(600);
    expect(delivered).toHaveLength(6);
    // The last cursor, not one in between.
    expect(delivered.at(-1)).toEqual(cursor(8));
  });

  it("[RM7][LM3] a malformed awareness message closes its connection with 4400 even when a newer one supersedes it", () => {
    const { gate: g, socket, delivered } = gate({ awarenessPerSecond: 1 });
    g.receive(cursor(0));
    g.receive(cursor(1));
    g.receive(cursor(2));
    expect(socket.closes).toEqual([]);
    const malformed = Uint8Array.of(...cursor(3), 0);
    g.receive(malformed);
    g.receive(cursor(4));
    expect(socket.closes).toEqual([{ code: CloseCode.malformedMessage, reason: expect.stringMatching(/unexpected bytes/) }]);
    expect(delivered).toHaveLength(2);
  });

  it("delivers nothing after destroy", async () => {
    const { gate: g, delivered } = gate({ messagesPerSecond: 10, burst: 1 });
    g.receive(update(0));
    g.receive(update(1));
    g.destroy();
    g.destroy();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(delivered).toHaveLength(1);
  });
});
