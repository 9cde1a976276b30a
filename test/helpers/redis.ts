/**
 * Redis for tests that need it (CI sets REDIS_URL=redis://127.0.0.1:6379). Other test files use
 * the same Redis at the same time: tests only ever touch connections of their own instances,
 * found by the names RedisBus gives them.
 */
import { Redis } from "ioredis";

export const REDIS_URL = process.env.REDIS_URL;

/**
 * Whether the calling suite must be skipped for want of Redis; if so, says why once (on
 * stderr, at module load), so a skipped run is never mistaken for a passing one.
 */
export function skipWithoutRedis(suite: string): boolean {
  if (REDIS_URL) return false;
  console.warn(`SKIPPED ${suite}: REDIS_URL is not set (CI sets REDIS_URL=redis://127.0.0.1:6379; run redis-server and set it to run these tests).`);
  return true;
}

/** The names of the connections a RedisBus with this instance id opens. */
export const busConnectionNames = (instanceId: string): string[] => [`tandem-pub-${instanceId}`, `tandem-sub-${instanceId}`];

interface ClientInfo {
  id: string;
  name: string;
}

function parseClientList(list: string): ClientInfo[] {
  return list
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const fields = new Map(line.trim().split(" ").map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)] as const));
      return { id: fields.get("id") ?? "", name: fields.get("name") ?? "" };
    });
}

/** An administrative connection to the test Redis. */
export class RedisAdmin {
  private readonly redis: Redis;

  constructor(url: string) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 3, connectionName: "tandem-test-admin", lazyConnect: false });
    // While Redis restarts, reconnecting fails for a moment: commands meanwhile reject, which is
    // what callers see; the connection's own error events need no other handling.
    this.redis.on("error", () => undefined);
  }

  /** Open connections with one of `names`. */
  async connections(names: string[]): Promise<ClientInfo[]> {
    const list = (await this.redis.call("CLIENT", "LIST")) as string;
    return parseClientList(list).filter((client) => names.includes(client.name));
  }

  /**
   * Closes every open connection named in `names` (CLIENT KILL ID: Redis has no filter by
   * name, and a filter by type would cut other test files' connections too).
   * @returns how many were closed.
   */
  async kill(names: string[]): Promise<number> {
    let killed = 0;
    for (const client of await this.connections(names)) {
      killed += Number(await this.redis.call("CLIENT", "KILL", "ID", client.id));
    }
    return killed;
  }

  /** Closes the admin connection. */
  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
