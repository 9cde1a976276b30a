import type { DocumentPresence, StreamEvent } from "@/server/events/types";
import { electLeader } from "./leader";

export type { DocumentChange, DocumentPresence, NotificationView, PresenceUser, StreamEvent } from "@/server/events/types";

type Listener = (event: StreamEvent) => void;

/** What tabs say to each other on the BroadcastChannel. */
type TabMessage =
  | { kind: "event"; event: StreamEvent }
  /** A new tab asks the leader for the current presence. */
  | { kind: "hello" }
  | { kind: "state"; presence: DocumentPresence[]; lastEventId: string | null };

const CHANNEL = "tandem-events";
const LOCK = "tandem-events-leader";
const EVENT_NAMES = ["presence", "notification", "notification-read", "document"] as const;

/**
 * The browser's one connection to `GET /api/events`, shared by every tab: the leader tab holds
 * the EventSource and relays each event to the others over a BroadcastChannel. When the leader
 * closes, another tab takes over and resumes after the last notification id any tab saw, so
 * ten open tabs use one connection (HTTP/1.1 allows six per host) and lose nothing.
 */
export class SharedEventStream {
  private readonly listeners = new Set<Listener>();
  private readonly presence = new Map<string, DocumentPresence>();
  private lastEventId: string | null = null;
  private channel: BroadcastChannel | null = null;
  private stopElection: (() => void) | null = null;
  private source: EventSource | null = null;
  leader = false;

  start(): void {
    if (this.stopElection) return;
    if (typeof BroadcastChannel !== "undefined") {
      this.channel = new BroadcastChannel(CHANNEL);
      this.channel.onmessage = (message: MessageEvent<TabMessage>) => this.onTabMessage(message.data);
      this.channel.postMessage({ kind: "hello" } satisfies TabMessage);
    }
    this.stopElection = electLeader(LOCK, () => this.lead());
  }

  stop(): void {
    this.stopElection?.();
    this.stopElection = null;
    this.channel?.close();
    this.channel = null;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Who is in each document right now (documents with nobody are absent). */
  presenceOf(documentId: string): DocumentPresence["users"] | undefined {
    return this.presence.get(documentId)?.users;
  }

  private lead(): () => void {
    this.leader = true;
    const url = this.lastEventId ? `/api/events?lastEventId=${encodeURIComponent(this.lastEventId)}` : "/api/events";
    const source = new EventSource(url);
    this.source = source;
    for (const name of EVENT_NAMES) {
      source.addEventListener(name, (message: MessageEvent<string>) => {
        const event = { event: name, data: JSON.parse(message.data) } as StreamEvent;
        this.deliver(event);
        this.channel?.postMessage({ kind: "event", event } satisfies TabMessage);
      });
    }
    return () => {
      source.close();
      if (this.source === source) this.source = null;
      this.leader = false;
    };
  }

  private onTabMessage(message: TabMessage): void {
    switch (message.kind) {
      case "event":
        this.deliver(message.event);
        return;
      case "hello":
        if (this.leader) this.channel?.postMessage({ kind: "state", presence: [...this.presence.values()], lastEventId: this.lastEventId } satisfies TabMessage);
        return;
      case "state":
        if (this.leader) return;
        this.apply({ event: "presence", data: { snapshot: true, documents: message.presence } });
        if (message.lastEventId && (!this.lastEventId || BigInt(message.lastEventId) > BigInt(this.lastEventId))) this.lastEventId = message.lastEventId;
        return;
      default: {
        const unknown: never = message;
        throw new Error(`unknown tab message ${JSON.stringify(unknown)}`);
      }
    }
  }

  private deliver(event: StreamEvent): void {
    if (event.event === "notification") {
      // Never show one twice (a new leader may replay what a tab already saw).
      if (this.lastEventId && BigInt(event.data.id) <= BigInt(this.lastEventId)) return;
      this.lastEventId = event.data.id;
    }
    this.apply(event);
  }

  private apply(event: StreamEvent): void {
    if (event.event === "presence") {
      if (event.data.snapshot) this.presence.clear();
      for (const doc of event.data.documents) {
        if (doc.users.length > 0) this.presence.set(doc.documentId, doc);
        else this.presence.delete(doc.documentId);
      }
    }
    for (const listener of [...this.listeners]) listener(event);
  }
}

let shared: SharedEventStream | null = null;

/** This tab's handle on the browser's event stream (started on first use). */
export function eventStream(): SharedEventStream {
  shared ??= new SharedEventStream();
  shared.start();
  return shared;
}
