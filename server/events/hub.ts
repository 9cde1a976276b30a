import type { StreamEvent } from "./types";

export type Subscriber = (event: StreamEvent) => void;

/** Delivers events to the open event streams of a user on this instance. */
export class EventHub {
  private readonly subscribers = new Map<string, Set<Subscriber>>();

  subscribe(userId: string, subscriber: Subscriber): () => void {
    let set = this.subscribers.get(userId);
    if (!set) {
      set = new Set();
      this.subscribers.set(userId, set);
    }
    set.add(subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size === 0 && this.subscribers.get(userId) === set) this.subscribers.delete(userId);
    };
  }

  publish(userId: string, event: StreamEvent): void {
    const set = this.subscribers.get(userId);
    if (!set) return;
    for (const subscriber of [...set]) subscriber(event);
  }

  /** Whether any user has an open stream on this instance. */
  get isEmpty(): boolean {
    return this.subscribers.size === 0;
  }

  hasSubscribers(userId: string): boolean {
    return this.subscribers.has(userId);
  }

  /** Open streams on this instance (all users). */
  get streamCount(): number {
    let n = 0;
    for (const set of this.subscribers.values()) n += set.size;
    return n;
  }
}
