import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { Logger } from "../logger";
import type { Bus } from "./bus";

const PREFIX = "tandem:";

/**
 * The bus over Redis pub/sub (ioredis): one connection publishes, one subscribes. Each message
 * is prefixed with the publishing instance's id, so an instance skips its own. Publishing while
 * Redis is down drops the message (logged); instances heal by exchanging state on reconnect.
 */
export class RedisBus implements Bus {
  readonly instanceId: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, (message: Uint8Array) => void>();
  private readonly reconnectListeners = new Set<() => void>();
  private readonly idBytes: Buffer;
  private connectedOnce = false;
  private closed = false;
  private droppedWhileDown = 0;

  constructor(url: string, private readonly logger: Logger, instanceId: string = randomUUID()) {
    this.instanceId = instanceId;
    this.idBytes = Buffer.from(`${instanceId}\n`);
    const options = {
      // Never queue commands while disconnected: a stale publish is worse than a dropped one.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(2_000, 50 * 2 ** Math.min(times, 6)) * (0.5 + Math.random() / 2),
      lazyConnect: false,
    };
    this.publisher = new Redis(url, { ...options, connectionName: `tandem-pub-${instanceId}` });
    this.subscriber = new Redis(url, { ...options, enableOfflineQueue: true, connectionName: `tandem-sub-${instanceId}` });
    for (const [name, client] of [["publisher", this.publisher], ["subscriber", this.subscriber]] as const) {
      client.on("error", (error: Error) => this.logger.warn({ err: error, client: name }, "Redis connection error"));
    }
    // Either connection may come back first, or be the only one that dropped: listeners run once
    // both are ready, so what they publish to heal is sent, not dropped by a publisher still down.
    for (const client of [this.publisher, this.subscriber]) client.on("ready", () => this.onReady());
    this.subscriber.on("messageBuffer", (channel: Buffer, message: Buffer) => this.dispatch(channel.toString(), message));
  }

  /** Resolves once both connections are ready (start-up), or rejects after `timeoutMs`. */
  async ready(timeoutMs = 10_000): Promise<void> {
    const wait = (client: Redis) =>
      client.status === "ready"
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`Redis not ready after ${timeoutMs} ms`)), timeoutMs);
            client.once("ready", () => {
              clearTimeout(timer);
              resolve();
            });
          });
    await Promise.all([wait(this.publisher), wait(this.subscriber)]);
  }

  publish(channel: string, message: Uint8Array): void {
    if (this.closed) return;
    if (this.publisher.status !== "ready") {
      this.droppedWhileDown += 1;
      return;
    }
    this.publisher.publish(PREFIX + channel, Buffer.concat([this.idBytes, message])).catch((error: unknown) => {
      this.droppedWhileDown += 1;
      this.logger.debug({ err: error, channel }, "publish failed; peers heal on the next state exchange");
    });
  }

  subscribe(channel: string, handler: (message: Uint8Array) => void): () => void {
    this.handlers.set(channel, handler);
    this.subscriber.subscribe(PREFIX + channel).catch((error: unknown) => this.logger.warn({ err: error, channel }, "subscribe failed; retried on reconnect"));
    return () => {
      if (this.handlers.get(channel) !== handler) return;
      this.handlers.delete(channel);
      if (!this.closed) this.subscriber.unsubscribe(PREFIX + channel).catch(() => undefined);
    };
  }

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }

  private onReady(): void {
    if (this.closed || this.publisher.status !== "ready" || this.subscriber.status !== "ready") return;
    if (this.connectedOnce) this.logger.info({ droppedWhileDown: this.droppedWhileDown }, "Redis is back; resubscribed and healing");
    this.connectedOnce = true;
    this.droppedWhileDown = 0;
    // ioredis re-subscribes by itself (autoResubscribe); state lost meanwhile is healed by listeners.
    for (const listener of [...this.reconnectListeners]) listener();
  }

  private dispatch(fullChannel: string, message: Buffer): void {
    const handler = this.handlers.get(fullChannel.slice(PREFIX.length));
    if (!handler) return;
    const newline = message.indexOf(10);
    if (newline < 0) return;
    if (message.subarray(0, newline).equals(this.idBytes.subarray(0, -1))) return;
    try {
      handler(new Uint8Array(message.buffer, message.byteOffset + newline + 1, message.byteLength - newline - 1));
    } catch (error) {
      // Inside ioredis's socket listener, a throw would end the process or the connection.
      this.logger.error({ err: error, channel: fullChannel }, "bus handler failed; message ignored");
    }
  }
}
