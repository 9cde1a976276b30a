import { describe, expect, it } from "vitest";
import type { RateLimit } from "../config";
import { ConnectionLimits } from "./connection-limits";
import { TokenBucket } from "./token-bucket";
import { TrafficLimits } from "./traffic";

const rate = (messagesPerSecond: number, messageBurst: number, bytesPerSecond = 1e9, byteBurst = 1e9): RateLimit => ({ messagesPerSecond, messageBurst, bytesPerSecond, byteBurst });

describe("TokenBucket", () => {
  it("lets a burst through, then refills at its rate", () => {
    const bucket = new TokenBucket(10, 5, 0);
    for (let i = 0; i < 5; i++) {
      expect(bucket.waitFor(1, 0)).toBe(0);
      bucket.take(1, 0);
    }
    expect(bucket.waitFor(1, 0)).toBeCloseTo(100);
    expect(bucket.waitFor(1, 100)).toBe(0);
    expect(bucket.msUntilFull(100)).toBeCloseTo(400);
  });

  it("an amount over the burst waits only for a full bucket, so it can always pass", () => {
    const bucket = new TokenBucket(10, 5, 0);
    bucket.take(5, 0);
    expect(bucket.waitFor(50, 0)).toBeCloseTo(500);
    expect(bucket.waitFor(50, 500)).toBe(0);
  });
});

describe("TrafficLimits", () => {
  it("[LM1] a connection draws on its own, its user's and its address's buckets", () => {
    let now = 0;
    const limits = new TrafficLimits({ connection: rate(100, 3), user: rate(100, 4), address: rate(100, 100) }, () => now);
    const a = limits.forConnection("u1", "10.0.0.1");
    const b = limits.forConnection("u1", "10.0.0.1");
    for (let i = 0; i < 3; i++) a.takeFromAll(1);
    expect(a.waitForAll(1)).toBeGreaterThan(0);
    // b has its own bucket, but the user's has one message left.
    expect(b.waitForAll(1)).toBe(0);
    b.takeFromAll(1);
    expect(b.waitForAll(1)).toBeGreaterThan(0);
    now += 1_000;
    expect(a.waitForAll(1)).toBe(0);
  });

  it("[LM1] bytes are limited like messages", () => {
    const limits = new TrafficLimits({ connection: rate(1_000, 1_000, 100, 200), user: rate(1e6, 1e6), address: rate(1e6, 1e6) }, () => 0);
    const a = limits.forConnection("u", "a");
    expect(a.waitForAll(150)).toBe(0);
    a.takeFromAll(150);
    expect(a.waitForAll(100)).toBeCloseTo(500);
  });

  it("[LM1] reconnecting does not reset a user's bucket; it is forgotten once full again", async () => {
    let now = 0;
    const limits = new TrafficLimits({ connection: rate(1_000, 1_000), user: rate(1_000, 2), address: rate(1e6, 1e6) }, () => now);
    const first = limits.forConnection("u", "a");
    first.takeFromAll(1);
    first.takeFromAll(1);
    first.release();
    const second = limits.forConnection("u", "a");
    expect(second.waitForAll(1)).toBeGreaterThan(0);
    second.release();
    now += 10;
    expect(limits.size.users).toBe(1);
    await expect.poll(() => limits.size.users, { timeout: 1_000 }).toBe(0);
  });
});

describe("ConnectionLimits", () => {
  it("[LM2] refuses a user's connection past its limit, and an address's past its own, until one closes", () => {
    const limits = new ConnectionLimits({ connectionsPerUser: 2, connectionsPerAddress: 3 });
    const a = limits.acquire("u1", "x");
    const b = limits.acquire("u1", "x");
    expect(a.ok && b.ok).toBe(true);
    const c = limits.acquire("u1", "x");
    expect(c).toMatchObject({ ok: false, message: expect.stringMatching(/account/) });
    const d = limits.acquire("u2", "x");
    expect(d.ok).toBe(true);
    expect(limits.acquire("u3", "x")).toMatchObject({ ok: false, message: expect.stringMatching(/address/) });
    if (a.ok) {
      a.slot.release();
      a.slot.release();
    }
    expect(limits.countOf("u1")).toBe(1);
    expect(limits.acquire("u1", "x").ok).toBe(true);
  });
});
