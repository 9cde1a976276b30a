import { describe, expect, it } from "vitest";
import { reconnectDelay } from "./backoff";

describe("reconnectDelay", () => {
  it("doubles per attempt from about 200 ms, times a factor in [0.5, 1.5)", () => {
    expect(reconnectDelay(1, 10_000, () => 0)).toBe(100);
    expect(reconnectDelay(1, 10_000, () => 0.5)).toBe(200);
    expect(reconnectDelay(2, 10_000, () => 0.5)).toBe(400);
    expect(reconnectDelay(3, 10_000, () => 0.999)).toBe(Math.round(800 * 1.499));
  });

  it("caps the backoff before the jitter, so capped clients still spread over [0.5, 1.5) × cap", () => {
    expect(reconnectDelay(30, 10_000, () => 0)).toBe(5_000);
    expect(reconnectDelay(30, 10_000, () => 0.5)).toBe(10_000);
    expect(reconnectDelay(30, 10_000, () => 0.99)).toBe(14_900);
  });

  it("spreads clients that failed at the same moment", () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const delays = Array.from({ length: 200 }, () => reconnectDelay(4, 10_000, random));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(800);
    expect(Math.max(...delays)).toBeLessThan(2_400);
    expect(new Set(delays).size).toBeGreaterThan(100);
  });
});
