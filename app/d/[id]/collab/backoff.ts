/** The first retry waits about 200 ms (2¹ × 100 ms), doubling per failed attempt. */
const BASE_MS = 100;

/**
 * How long to wait before reconnection attempt number `attempt` (1 for the first retry):
 * exponential backoff capped at `maxMs`, times a random factor in [0.5, 1.5), so clients that
 * lost a restarted server at the same moment come back spread out instead of all at once.
 * `random` returns a number in [0, 1), like Math.random.
 */
export function reconnectDelay(attempt: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(BASE_MS * 2 ** Math.max(1, attempt), maxMs);
  return Math.round(exponential * (0.5 + random()));
}
