/**
 * The contract every Bus keeps (bus.ts), as one suite run against each implementation
 * (bus.test.ts): the in-process bus that single-instance servers and room tests rely on must
 * behave like Redis pub/sub.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Bus } from "./bus";

export interface BusFixture {
  /** A new instance on the shared bus, connected (its connections ready, if it has any). */
  connect(): Promise<Bus>;
  /** Releases what the fixture holds; instances made by `connect` are closed by the suite. */
  close(): Promise<void>;
}

/** Everything one subscription received, in order. */
export interface Inbox {
  readonly messages: Uint8Array[];
  /** The messages as text (the suite's messages are UTF-8 unless a test says otherwise). */
  texts(): string[];
  unsubscribe(): void;
}

const PROBE = "probe:";
const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Subscribes `bus` to `channel`, recording what arrives. */
export function listen(bus: Bus, channel: string): Inbox {
  const messages: Uint8Array[] = [];
  const unsubscribe = bus.subscribe(channel, (message) => messages.push(message));
  return { messages, texts: () => messages.map(decode), unsubscribe };
}

/** Resolves when `predicate` holds, polling every 5 ms; rejects after `timeoutMs` naming `what`. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Resolves once messages `from` publishes on `channel` reach every inbox, then empties them.
 * Subscribing may take effect later than `subscribe` returns (Redis confirms it over the
 * network): probes are published until each inbox holds the latest one — delivery is in order,
 * so every earlier probe has arrived too, and nothing is left in flight.
 */
export async function whenDelivering(from: Bus, channel: string, inboxes: Inbox[], timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const probe = `${PROBE}${attempt}`;
    from.publish(channel, encode(probe));
    const arrived = () => inboxes.every((inbox) => inbox.texts().includes(probe));
    const retryAt = Date.now() + 50;
    while (!arrived() && Date.now() < Math.min(retryAt, deadline)) await new Promise((resolve) => setTimeout(resolve, 5));
    if (arrived()) break;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${channel} to deliver`);
  }
  for (const inbox of inboxes) inbox.messages.splice(0);
}

/**
 * Registers the Bus contract as a `describe` block for one implementation. `makeFixture` runs
 * once for the block; every test uses channels and instances of its own.
 */
export function describeBusContract(name: string, makeFixture: () => Promise<BusFixture>, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip ?? false)(`Bus contract: ${name}`, () => {
    let fixture: BusFixture;
    const opened: Bus[] = [];
    beforeAll(async () => {
      fixture = await makeFixture();
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((bus) => bus.close()));
    });
    afterAll(() => fixture?.close());

    const connect = async (): Promise<Bus> => {
      const bus = await fixture.connect();
      opened.push(bus);
      return bus;
    };
    const channel = () => `contract:${randomUUID()}`;

    it("delivers every message to every other subscribed instance, in publish order", async () => {
      const [a, b, c] = [await connect(), await connect(), await connect()];
      const ch = channel();
      const [toB, toC] = [listen(b, ch), listen(c, ch)];
      await whenDelivering(a, ch, [toB, toC]);

      const sent = Array.from({ length: 200 }, (_, i) => `message ${i}`);
      for (const text of sent) a.publish(ch, encode(text));
      await until(() => toB.messages.length >= sent.length && toC.messages.length >= sent.length, "both to receive all 200");
      expect(toB.texts()).toEqual(sent);
      expect(toC.texts()).toEqual(sent);
    });

    it("never delivers an instance's own messages back to it", async () => {
      const [a, b] = [await connect(), await connect()];
      const ch = channel();
      const [toA, toB] = [listen(a, ch), listen(b, ch)];
      await whenDelivering(b, ch, [toA]);
      await whenDelivering(a, ch, [toB]);

      a.publish(ch, encode("from a"));
      await until(() => toB.messages.length === 1, "b to receive a's message");
      // b answers only after a's message went through the bus: had a been sent its own, it came first.
      b.publish(ch, encode("reply from b"));
      await until(() => toA.messages.length > 0, "a to receive b's reply");
      expect(toA.texts()).toEqual(["reply from b"]);
      expect(toB.texts()).toEqual(["from a"]);
    });

    it("a handler that throws is contained: the process lives on and later messages still arrive", async () => {
      const [a, b] = [await connect(), await connect()];
      const ch = channel();
      const received: string[] = [];
      b.subscribe(ch, (message) => {
        const text = decode(message);
        received.push(text);
        if (text === "poison") throw new Error("a malformed message from another version");
      });
      const uncaught: unknown[] = [];
      const onUncaught = (error: unknown) => uncaught.push(error);
      process.on("uncaughtException", onUncaught);
      try {
        await until(() => {
          a.publish(ch, encode("probe"));
          return received.includes("probe");
        }, "b to receive a probe");
        a.publish(ch, encode("poison"));
        a.publish(ch, encode("after"));
        await until(() => received.includes("after"), "b to receive the message after the one that threw");
      } finally {
        process.off("uncaughtException", onUncaught);
      }
      expect(uncaught).toEqual([]);
    });

    it("delivers only on the channels an instance subscribed to", async () => {
      const [a, b] = [await connect(), await connect()];
      const [wanted, other] = [channel(), channel()];
      const toB = listen(b, wanted);
      await whenDelivering(a, wanted, [toB]);

      a.publish(other, encode("elsewhere"));
      a.publish(wanted, encode("here"));
      await until(() => toB.messages.length > 0, "b to receive on its channel");
      expect(toB.texts()).toEqual(["here"]);
    });

    it("stops delivering at once on unsubscribe, even messages already published", async () => {
      const [a, b] = [await connect(), await connect()];
      const [ch, marker] = [channel(), channel()];
      const [toB, markers] = [listen(b, ch), listen(b, marker)];
      await whenDelivering(a, ch, [toB]);
      await whenDelivering(a, marker, [markers]);

      a.publish(ch, encode("before"));
      await until(() => toB.messages.length === 1, "b to receive the first message");
      a.publish(ch, encode("in flight"));
      toB.unsubscribe();
      a.publish(ch, encode("after"));
      // The marker follows both on the same bus: once it arrived, they would have too.
      a.publish(marker, encode("marker"));
      await until(() => markers.messages.length === 1, "the marker to arrive");
      expect(toB.texts()).toEqual(["before"]);
    });

    it("leaves a newer subscription on the channel alone when a stale unsubscribe runs", async () => {
      const [a, b] = [await connect(), await connect()];
      const ch = channel();
      const first = listen(b, ch);
      first.unsubscribe();
      const stale = listen(b, ch);
      const current = listen(b, ch);
      stale.unsubscribe();
      await whenDelivering(a, ch, [current]);

      a.publish(ch, encode("still subscribed"));
      await until(() => current.messages.length === 1, "the current subscription to receive");
      expect(current.texts()).toEqual(["still subscribed"]);
      expect(first.messages).toEqual([]);
      expect(stale.messages).toEqual([]);
    });

    it("delivers binary payloads byte for byte, as they were when published", async () => {
      const [a, b] = [await connect(), await connect()];
      const ch = channel();
      const toB = listen(b, ch);
      await whenDelivering(a, ch, [toB]);

      const every = Uint8Array.from({ length: 256 }, (_, i) => i);
      const large = new Uint8Array(1024 * 1024);
      for (let i = 0; i < large.length; i++) large[i] = (i * 7919 + (i >> 8)) & 0xff;
      const payloads = [
        every,
        every.slice().reverse(),
        new Uint8Array(0),
        Uint8Array.of(10),
        Uint8Array.of(10, 10, 0, 10),
        encode(`${a.instanceId}\nlooks like a header`),
        encode(`${b.instanceId}\nlooks like the receiver's own`),
        large,
      ];
      // A view into a larger buffer: only the viewed bytes are the message.
      const backing = Uint8Array.from({ length: 64 }, (_, i) => 255 - i);
      payloads.push(backing.subarray(16, 48));
      for (const payload of payloads) a.publish(ch, payload);
      const mutated = every.slice();
      a.publish(ch, mutated);
      mutated.fill(0);
      payloads.push(every);

      await until(() => toB.messages.length >= payloads.length, "every payload to arrive");
      expect(toB.messages.length).toBe(payloads.length);
      toB.messages.forEach((received, i) => {
        const sent = payloads[i] as Uint8Array;
        expect(received.byteLength, `payload ${i} length`).toBe(sent.byteLength);
        expect(Buffer.from(received.buffer, received.byteOffset, received.byteLength).equals(Buffer.from(sent.buffer, sent.byteOffset, sent.byteLength)), `payload ${i} bytes`).toBe(true);
      });
    });

    it("a closed instance neither receives nor sends, and publishing on it does not throw", async () => {
      const [a, b, c] = [await connect(), await connect(), await connect()];
      const [ch, marker] = [channel(), channel()];
      const [toB, toC, markers] = [listen(b, ch), listen(c, ch), listen(c, marker)];
      await whenDelivering(a, ch, [toB, toC]);
      await whenDelivering(a, marker, [markers]);

      await b.close();
      expect(() => b.publish(ch, encode("from the closed b"))).not.toThrow();
      a.publish(ch, encode("after b closed"));
      a.publish(marker, encode("marker"));
      await until(() => markers.messages.length === 1 && toC.messages.length >= 1, "c to receive");
      expect(toC.texts()).toEqual(["after b closed"]);
      expect(toB.messages).toEqual([]);
    });

    it("publish returns before delivery: nothing arrives synchronously", async () => {
      const [a, b] = [await connect(), await connect()];
      const ch = channel();
      const toB = listen(b, ch);
      await whenDelivering(a, ch, [toB]);
      // Callers may publish from inside handlers and transactions: delivery never re-enters them.
      a.publish(ch, encode("later"));
      expect(toB.messages).toEqual([]);
      await until(() => toB.messages.length === 1, "the message to arrive");
    });
  });
}
