/**
 * A token bucket: `rate` tokens a second refill it up to `burst`. Pure (the caller passes the
 * clock), so limits are tested without waiting.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** Milliseconds until `amount` tokens are there (0: now). An amount over the burst waits as if the bucket were full. */
  waitFor(amount: number, now: number): number {
    this.refill(now);
    const needed = Math.min(amount, this.burst) - this.tokens;
    return needed <= 0 ? 0 : (needed / this.rate) * 1000;
  }

  /** Takes `amount` tokens (at most a full bucket's worth), whether or not they are there: the caller asked `waitFor` first. */
  take(amount: number, now: number): void {
    this.refill(now);
    this.tokens -= Math.min(amount, this.burst);
  }

  /** Milliseconds until the bucket is full again (0: it is): it then remembers nothing worth keeping. */
  msUntilFull(now: number): number {
    this.refill(now);
    return ((this.burst - this.tokens) / this.rate) * 1000;
  }

  private refill(now: number): void {
    const elapsed = now - this.updatedAt;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.rate);
      this.updatedAt = now;
    }
  }
}
