/**
 * The cross-instance bus: publish/subscribe of binary messages on named channels. Two
 * implementations: in-process (one instance, or several in one process for tests) and Redis.
 *
 * Contract (bus-contract.ts tests both):
 * - a message published on a channel reaches every other instance subscribed to it, in order;
 * - an instance never receives its own messages;
 * - delivery is best effort: messages can be lost (Redis restart, slow subscriber) — callers
 *   heal by exchanging state (`onReconnect` tells when to);
 * - publish never throws and never blocks the caller on the network.
 */
export interface Bus {
  readonly instanceId: string;
  publish(channel: string, message: Uint8Array): void;
  /** Returns the unsubscribe function. One handler per channel per instance. */
  subscribe(channel: string, handler: (message: Uint8Array) => void): () => void;
  /** Called after the connection to the bus came back: state may have been lost meanwhile. */
  onReconnect(listener: () => void): () => void;
  close(): Promise<void>;
}
