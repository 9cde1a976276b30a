import type { RateLimit } from "../config";
import { TokenBucket } from "./token-bucket";

/** A message rate and a byte rate, drawn from together. */
class RateBuckets {
  private readonly messages: TokenBucket;
  private readonly bytes: TokenBucket;

  constructor(limit: RateLimit, now: number) {
    this.messages = new TokenBucket(limit.messagesPerSecond, limit.messageBurst, now);
    this.bytes = new TokenBucket(limit.bytesPerSecond, limit.byteBurst, now);
  }

  waitFor(bytes: number, now: number): number {
    return Math.max(this.messages.waitFor(1, now), this.bytes.waitFor(bytes, now));
  }

  take(bytes: number, now: number): void {
    this.messages.take(1, now);
    this.bytes.take(bytes, now);
  }

  msUntilFull(now: number): number {
    return Math.max(this.messages.msUntilFull(now), this.bytes.msUntilFull(now));
  }
}

/** What one connection may send: its own rates, and its share of its user's and its address's. */
export interface ConnectionTraffic {
  /** Milliseconds until a message of `bytes` may pass every limit (0: now). */
  waitFor(bytes: number): number;
  /** Counts a message of `bytes` against every limit. */
  take(bytes: number): void;
  /** The connection closed: its user's and address's buckets are forgotten once nobody uses them. */
  release(): void;
}

interface Shared {
  buckets: RateBuckets;
  users: number;
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
    private readonly now: () => number = () => performance.now(),
  ) {}

  forConnection(userId: string, address: string): ConnectionTraffic {
    const now = this.now;
    const own = new RateBuckets(this.limits.connection, now());
    const user = this.share(this.byUser, userId, this.limits.user);
    const site = this.share(this.byAddress, address, this.limits.address);
    let released = false;
    return {
      waitFor: (bytes) => {
        const at = now();
        return Math.max(own.waitFor(bytes, at), user.buckets.waitFor(bytes, at), site.buckets.waitFor(bytes, at));
      },
      take: (bytes) => {
        const at = now();
        own.take(bytes, at);
        user.buckets.take(bytes, at);
        site.buckets.take(bytes, at);
      },
      release: () => {
        if (released) return;
        released = true;
        this.unshare(this.byUser, userId, user);
        this.unshare(this.byAddress, address, site);
      },
    };
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

  private unshare(map: Map<string, Shared>, key: string, shared: Shared): void {
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

  /** Users and addresses with a bucket (open connections, or traffic still remembered). */
  get size(): { users: number; addresses: number } {
    return { users: this.byUser.size, addresses: this.byAddress.size };
  }
}
