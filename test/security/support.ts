/**
 * Shared helpers of the security tests (test/security/*.test.ts): a seeded PRNG for the fuzzer,
 * signed-in users, what a `/collab` upgrade gets, and a watch on the process's own failures.
 */
import type { ClientRequest, IncomingMessage } from "node:http";
import WebSocket from "ws";
import { TestClient } from "../helpers/client";
import { within } from "../helpers/raw-socket";

/**
 * A small, fast, seeded PRNG (sfc32, seeded through splitmix32): the same seed gives the same
 * sequence on every machine, so a failing fuzz run can be replayed.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** An integer in [min, max] (both included). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error("Random.pick: no items");
    return item;
  }

  /** One of `choices`, each with its weight. */
  weighted<T>(choices: ReadonlyArray<readonly [T, number]>): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [value, weight] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    const last = choices.at(-1);
    if (!last) throw new Error("Random.weighted: no choices");
    return last[0];
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.uint32() & 0xff;
    return out;
  }

  /** Printable ASCII without quotes or backslashes (safe inside JSON strings). */
  word(length: number): string {
    const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.:;,!?";
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet[this.int(0, alphabet.length - 1)];
    return out;
  }
}

/** The fuzz seed: `FUZZ_SEED` when set (to replay a run), else a fresh one. */
export function fuzzSeed(): number {
  const raw = process.env.FUZZ_SEED;
  if (raw !== undefined && raw !== "") {
    const seed = Number(raw);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`FUZZ_SEED must be an integer in [0, 2^32): ${raw}`);
    return seed;
  }
  return Math.floor(Math.random() * 0x100000000) >>> 0;
}

export type SignedInClient = TestClient & { user: NonNullable<TestClient["user"]> };

/** A new user with a session (`TestClient.signUp`), its `user` checked to be there. */
export async function signedIn(baseUrl: string): Promise<SignedInClient> {
  const client = await TestClient.signUp(baseUrl);
  const me = await client.request<{ id: string; name: string; email: string; color: string }>("GET", "/api/users/me");
  if (me.status !== 200) throw new Error(`no session after TestClient.signUp: ${me.status} ${JSON.stringify(me.body)}`);
  return Object.assign(client, { user: me.body });
}

/** What a `/collab` upgrade got: 101 when accepted (the socket is then closed at once), else the refusal's HTTP status. */
export function upgradeStatus(url: string, headers: Record<string, string>, timeoutMs = 10_000): Promise<number> {
  const ws = new WebSocket(url, { headers });
  const outcome = new Promise<number>((resolve, reject) => {
    ws.on("unexpected-response", (request: ClientRequest, response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      response.on("error", () => resolve(status));
      response.on("end", () => {
        request.destroy();
        resolve(status);
      });
      response.resume();
    });
    ws.on("open", () => resolve(101));
    ws.on("error", (error) => reject(error));
  });
  return within(outcome, `the upgrade of ${url}`, timeoutMs).finally(() => ws.terminate());
}

/**
 * Records every uncaught exception and unhandled rejection of this process (the server under
 * test runs in it) until `stop()`. While watched, such an error does not end the process.
 */
export function watchProcessFailures(): { readonly failures: readonly string[]; stop(): void } {
  const failures: string[] = [];
  const onException = (error: Error) => failures.push(`uncaughtException: ${error.stack ?? error.message}`);
  const onRejection = (reason: unknown) => failures.push(`unhandledRejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  return {
    failures,
    stop: () => {
      process.off("uncaughtException", onException);
      process.off("unhandledRejection", onRejection);
    },
  };
}
