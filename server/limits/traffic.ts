import type { RateLimit } from "../config";

/**
 * A message rate and a byte rate, drawn from together: two token buckets in one object (one
 * exists per connection; see TokenBucket for the arithmetic).
 */
class RateBuckets {
  private messages: number;
  private bytes: number;
  private updatedAt: number;

  constructor(
    private readonly limit: RateLimit,
    now: number,
  ) {
    this.messages = limit.messageBurst;
    this.bytes = limit.byteBurst;
    this.updatedAt = now;
  }

  /** Milliseconds until a message of `bytes` fits (0: now); one larger than the burst waits for a full bucket. */
  waitFor(bytes: number, now: number): number {
    this.refill(now);
    const { limit } = this;
    const messagesShort = 1 - this.messages;
    const bytesShort = Math.min(bytes, limit.byteBurst) - this.bytes;
    return Math.max(0, (messagesShort / limit.messagesPerSecond) * 1000, (bytesShort / limit.bytesPerSecond) * 1000);
  }

  take(bytes: number, now: number): void {
    this.refill(now);
    this.messages -= 1;
    this.bytes -= Math.min(bytes, this.limit.byteBurst);
  }

  /** Milliseconds until both buckets are full again: they then remember nothing worth keeping. */
  msUntilFull(now: number): number {
    this.refill(now);
    const { limit } = this;
    return Math.max(((limit.messageBurst - this.messages) / limit.messagesPerSecond) * 1000, ((limit.byteBurst - this.bytes) / limit.bytesPerSecond) * 1000);
  }

  private refill(now: number): void {
    const elapsed = now - this.updatedAt;
    if (elapsed <= 0) return;
    const { limit } = this;
    this.messages = Math.min(limit.messageBurst, this.messages + (elapsed / 1000) * limit.messagesPerSecond);
    this.bytes = Math.min(limit.byteBurst, this.bytes + (elapsed / 1000) * limit.bytesPerSecond);
    this.updatedAt = now;
  }
}

interface Shared {
  buckets: RateBuckets;
  users: number;
}

/**
 * What one connection may send: its own rates (the buckets it is), and its share of its user's
 * and its address's. A class, not an object of arrows: one exists per connection, and esbuild's
 * keepNames (tsx runs the server) turns each named arrow into a ~300-byte dictionary object.
 */
export class ConnectionTraffic extends RateBuckets {
  private released = false;

  constructor(
    private readonly limits: TrafficLimits,
    private readonly user: Shared,
    private readonly address: Shared,
    private readonly userId: string,
    private readonly addressKey: string,
    connection: RateLimit,
  ) {
    super(connection, limits.now());
  }

  /** Milliseconds until a message of `bytes` may pass every limit (0: now). */
  waitForAll(bytes: number): number {
    const at = this.limits.now();
    return Math.max(this.waitFor(bytes, at), this.user.buckets.waitFor(bytes, at), this.address.buckets.waitFor(bytes, at));
  }

  /** Counts a message of `bytes` against every limit. */
  takeFromAll(bytes: number): void {
    const at = this.limits.now();
    this.take(bytes, at);
    this.user.buckets.take(bytes, at);
    this.address.buckets.take(bytes, at);
  }

  /** The connection closed: its user's and address's buckets are forgotten once nobody uses them. Safe to call twice. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.limits.unshare("user", this.userId, this.user);
    this.limits.unshare("address", this.addressKey, this.address);
  }
}

/**
 * Incoming WebSocket traffic limits of one instance: per connection, per user (all of a user's
 * connections together) and per client address, each a message rate and a byte rate with a burst.
 * A message passes when every bucket it draws from has room; how long to wait otherwise is the
 * caller's to act on (the connection throttles itself). Memory is bounded by the open connections.
 */
export class TrafficLimits {
  private readonly byUser = new Map<string, Shared>();
  private readonly byAddress = new Map<string, Shared>();

  constructor(
    private readonly limits: { connection: RateLimit; user: RateLimit; address: RateLimit },
    readonly now: () => number = () => performance.now(),
  ) {}

  forConnection(userId: string, address: string): ConnectionTraffic {
    return new ConnectionTraffic(this, this.share(this.byUser, userId, this.limits.user), this.share(this.byAddress, address, this.limits.address), userId, address, this.limits.connection);
  }

  /** Users and addresses with a bucket (open connections, or traffic still remembered). */
  get size(): { users: number; addresses: number } {
    return { users: this.byUser.size, addresses: this.byAddress.size };
  }

  /** A connection of `key` closed (ConnectionTraffic.release). */
  unshare(kind: "user" | "address", key: string, shared: Shared): void {
    const map = kind === "user" ? this.byUser : this.byAddress;
    shared.users -= 1;
    if (shared.users > 0) return;
    // A bucket that is not full still remembers recent traffic: reconnecting must not reset it.
    // It is forgotten once it would be full again (nothing left to remember), unless used again.
    const forget = () => {
      if (shared.users === 0 && map.get(key) === shared) map.delete(key);
    };
    const wait = shared.buckets.msUntilFull(this.now());
    if (wait <= 0) forget();
    else setTimeout(forget, Math.ceil(wait)).unref();
  }

  private share(map: Map<string, Shared>, key: string, limit: RateLimit): Shared {
    let shared = map.get(key);
    if (!shared) {
      shared = { buckets: new RateBuckets(limit, this.now()), users: 0 };
      map.set(key, shared);
    }
    shared.users += 1;
    return shared;
  }
}
