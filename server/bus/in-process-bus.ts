import { randomUUID } from "node:crypto";
import type { Logger } from "../logger";
import type { Bus } from "./bus";

type Handler = (message: Uint8Array) => void;

/**
 * Instances in one process sharing channels. Delivery is asynchronous (a microtask later),
 * like a network bus, so callers cannot depend on re-entrancy.
 */
export class InProcessBusNetwork {
  private readonly channels = new Map<string, Map<string, Handler>>();

  /** `logger` hears of a handler that threw (the bus contains it, as Redis's does). */
  constructor(private readonly logger?: Logger) {}

  connect(instanceId: string = randomUUID()): Bus {
    const logger = this.logger;
    const channels = this.channels;
    const reconnectListeners = new Set<() => void>();
    const mine = new Set<string>();
    let closed = false;
    return {
      instanceId,
      publish(channel, message) {
        const subscribers = channels.get(channel);
        if (closed || !subscribers) return;
        const copy = message.slice();
        for (const [id, handler] of subscribers) {
          if (id === instanceId) continue;
          // Looked up again on delivery: an unsubscribe meanwhile stops it, as with Redis.
          queueMicrotask(() => {
            if (channels.get(channel)?.get(id) !== handler) return;
            try {
              handler(copy);
            } catch (error) {
              logger?.error({ err: error, channel }, "bus handler failed; message ignored");
            }
          });
        }
      },
      subscribe(channel, handler) {
        let subscribers = channels.get(channel);
        if (!subscribers) {
          subscribers = new Map();
          channels.set(channel, subscribers);
        }
        subscribers.set(instanceId, handler);
        mine.add(channel);
        return () => {
          const current = channels.get(channel);
          if (current?.get(instanceId) !== handler) return;
          current.delete(instanceId);
          if (current.size === 0) channels.delete(channel);
          mine.delete(channel);
        };
      },
      onReconnect(listener) {
        reconnectListeners.add(listener);
        return () => reconnectListeners.delete(listener);
      },
      async close() {
        closed = true;
        reconnectListeners.clear();
        for (const channel of mine) {
          const subscribers = channels.get(channel);
          subscribers?.delete(instanceId);
          if (subscribers?.size === 0) channels.delete(channel);
        }
        mine.clear();
      },
    };
  }
}
