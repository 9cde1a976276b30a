import { createServer } from "node:net";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { busConnectionNames, REDIS_URL, RedisAdmin, skipWithoutRedis } from "../../test/helpers/redis";
import type { Bus } from "./bus";
import { describeBusContract, listen, until, whenDelivering } from "./bus-contract";
import { InProcessBusNetwork } from "./in-process-bus";
import { RedisBus } from "./redis-bus";

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const noRedis = skipWithoutRedis("the RedisBus tests in server/bus/bus.test.ts");
const encode = (text: string) => new TextEncoder().encode(text);

describeBusContract("InProcessBusNetwork", async () => {
  const network = new InProcessBusNetwork();
  return { connect: async () => network.connect(), close: async () => {} };
});

/** A RedisBus on the test Redis, both connections ready. */
async function connectRedisBus(): Promise<RedisBus> {
  const bus = new RedisBus(REDIS_URL as string, logger);
  try {
    await bus.ready(5_000);
  } catch (error) {
    await bus.close();
    throw error;
  }
  return bus;
}

describeBusContract("RedisBus", async () => ({ connect: connectRedisBus, close: async () => {} }), { skip: noRedis });

/** A port nothing listens on (taken from the OS, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe.skipIf(noRedis)("RedisBus over a real Redis", () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const open = async (): Promise<RedisBus> => {
    const bus = await connectRedisBus();
    cleanups.push(() => bus.close());
    return bus;
  };
  const admin = (): RedisAdmin => {
    const redis = new RedisAdmin(REDIS_URL as string);
    cleanups.push(() => redis.close());
    return redis;
  };
  const channel = () => `bus-test:${crypto.randomUUID()}`;
  const reconnects = (bus: Bus) => {
    const seen = { count: 0 };
    const stop = bus.onReconnect(() => (seen.count += 1));
    cleanups.push(async () => stop());
    return seen;
  };

  it("publishing while Redis is unreachable neither throws nor waits, and ready() says so", async () => {
    const bus = new RedisBus(`redis://127.0.0.1:${await closedPort()}`, logger);
    cleanups.push(() => bus.close());
    await expect(bus.ready(200)).rejects.toThrow(/not ready/);
    const started = performance.now();
    for (let i = 0; i < 1_000; i++) expect(() => bus.publish("anything", encode(`lost ${i}`))).not.toThrow();
    expect(() => bus.subscribe("anything", () => undefined)).not.toThrow();
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("publishing while its connections are being killed never throws, and delivery resumes", async () => {
    const [a, b, redis] = [await open(), await open(), admin()];
    const ch = channel();
    const toB = listen(b, ch);
    await whenDelivering(a, ch, [toB]);

    expect(await redis.kill(busConnectionNames(a.instanceId))).toBe(2);
    // Whatever state the connections are in now (closed, reconnecting, ready), publish only drops.
    for (let i = 0; i < 1_000; i++) expect(() => a.publish(ch, encode(`during ${i}`))).not.toThrow();
    await whenDelivering(a, ch, [toB]);
    a.publish(ch, encode("after"));
    await until(() => toB.texts().includes("after"), "b to receive after the reconnect");
  });

  it("onReconnect fires after its subscriber connection is killed, and its subscriptions keep delivering", async () => {
    const [a, b, redis] = [await open(), await open(), admin()];
    const [first, second] = [channel(), channel()];
    const [toFirst, toSecond] = [listen(b, first), listen(b, second)];
    await whenDelivering(a, first, [toFirst]);
    await whenDelivering(a, second, [toSecond]);
    const seen = reconnects(b);

    expect(await redis.kill([`tandem-sub-${b.instanceId}`])).toBe(1);
    await until(() => seen.count === 1, "b's reconnect listener");
    // Resubscribed: both channels deliver again, without b subscribing anew.
    await whenDelivering(a, first, [toFirst]);
    await whenDelivering(a, second, [toSecond]);
    a.publish(first, encode("one"));
    a.publish(second, encode("two"));
    await until(() => toFirst.messages.length === 1 && toSecond.messages.length === 1, "both channels to deliver");
    expect([toFirst.texts(), toSecond.texts()]).toEqual([["one"], ["two"]]);
    expect(seen.count).toBe(1);
  });

  it("onReconnect fires after its publisher connection is killed: what it published meanwhile was dropped", async () => {
    const [a, b, redis] = [await open(), await open(), admin()];
    const ch = channel();
    const toB = listen(b, ch);
    await whenDelivering(a, ch, [toB]);
    const seen = reconnects(a);

    expect(await redis.kill([`tandem-pub-${a.instanceId}`])).toBe(1);
    await until(() => seen.count === 1, "a's reconnect listener");
    a.publish(ch, encode("after"));
    await until(() => toB.texts().includes("after"), "b to receive a's next message");
  });

  it("what a reconnect listener publishes at once reaches the other instances, whichever connection came back first", async () => {
    const [a, b, redis] = [await open(), await open(), admin()];
    const ch = channel();
    const toA = listen(a, ch);
    await whenDelivering(b, ch, [toA]);
    let round = 0;
    const stop = b.onReconnect(() => b.publish(ch, encode(`healing ${round}`)));
    cleanups.push(async () => stop());

    // Each connection reconnects after its own random back-off: several rounds try both orders.
    for (round = 1; round <= 6; round++) {
      expect(await redis.kill(busConnectionNames(b.instanceId))).toBe(2);
      await until(() => toA.texts().includes(`healing ${round}`), `a to receive b's healing message of round ${round}`);
    }
  });
});
