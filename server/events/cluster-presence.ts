import { z } from "zod";
import { decodeJsonMessage, encodeJsonMessage, type Bus } from "../bus";
import { DocumentIdSchema } from "../documents/id";
import type { Logger } from "../logger";
import { presenceSnapshot, PresenceTracker } from "./presence";
import { DocumentPresenceSchema, PresenceUserSchema } from "./schemas";
import type { DocumentPresence, PresenceUser } from "./types";

const CHANNEL = "presence";

const InstanceId = z.string().min(1).max(100);
const PresenceMessageSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("delta"), instanceId: InstanceId, documentId: DocumentIdSchema, users: z.array(PresenceUserSchema) }),
  z.object({ kind: z.literal("full"), instanceId: InstanceId, documents: z.array(DocumentPresenceSchema) }),
  z.object({ kind: z.literal("hello"), instanceId: InstanceId }),
  z.object({ kind: z.literal("beat"), instanceId: InstanceId }),
]);
type PresenceMessage = z.infer<typeof PresenceMessageSchema>;

interface RemoteInstance {
  lastSeen: number;
  documents: Map<string, PresenceUser[]>;
}

/**
 * Presence across instances: each instance tracks its own connections and tells the others
 * over the bus (changes as they happen, its full state when asked and after a reconnect, a
 * heartbeat every `beatMs`). An instance that stops (crashed) is dropped, and its users leave
 * presence, at most `expireMs` after its last heartbeat — so within `expireMs` of its end.
 */
export class ClusterPresence {
  private readonly local: PresenceTracker;
  private readonly remote = new Map<string, RemoteInstance>();
  private readonly timer: NodeJS.Timeout;
  private readonly expiryTimer: NodeJS.Timeout;
  /** How often silence is checked: a fraction of a beat, so expiry lags `expireMs` by little. */
  private readonly checkMs: number;
  private readonly unsubscribe: () => void;
  private readonly stopReconnect: () => void;

  constructor(
    private readonly bus: Bus,
    private readonly onChange: (documentId: string) => void,
    private readonly logger: Logger,
    private readonly timing: { beatMs: number; expireMs: number } = { beatMs: 10_000, expireMs: 30_000 },
  ) {
    this.local = new PresenceTracker((documentId) => {
      this.send({ kind: "delta", instanceId: bus.instanceId, documentId, users: this.local.usersIn(documentId) });
      onChange(documentId);
    });
    this.unsubscribe = bus.subscribe(CHANNEL, (data) => this.receive(data));
    this.stopReconnect = bus.onReconnect(() => this.announce());
    this.timer = setInterval(() => this.beat(), timing.beatMs);
    this.timer.unref();
    this.checkMs = Math.max(1, Math.floor(timing.beatMs / 4));
    this.expiryTimer = setInterval(() => this.expire(), this.checkMs);
    this.expiryTimer.unref();
    this.announce();
  }

  join(documentId: string, user: PresenceUser): void {
    this.local.join(documentId, user);
  }

  leave(documentId: string, userId: string): void {
    this.local.leave(documentId, userId);
  }

  /** Everyone in the document on any live instance, each user once. */
  usersIn(documentId: string): PresenceUser[] {
    const users = new Map<string, PresenceUser>();
    for (const user of this.local.usersIn(documentId)) users.set(user.id, user);
    for (const instance of this.remote.values()) for (const user of instance.documents.get(documentId) ?? []) if (!users.has(user.id)) users.set(user.id, user);
    return [...users.values()];
  }

  snapshot(documentIds: Iterable<string>): DocumentPresence[] {
    return presenceSnapshot(this, documentIds);
  }

  close(): void {
    clearInterval(this.timer);
    clearInterval(this.expiryTimer);
    this.unsubscribe();
    this.stopReconnect();
  }

  private announce(): void {
    this.send({ kind: "hello", instanceId: this.bus.instanceId });
    this.send({ kind: "full", instanceId: this.bus.instanceId, documents: this.local.snapshot(this.localDocuments()) });
  }

  private localDocuments(): string[] {
    return this.local.documentIds();
  }

  private beat(): void {
    this.send({ kind: "beat", instanceId: this.bus.instanceId });
  }

  /** Drops instances silent for so long that, by the next check, `expireMs` would have passed. */
  private expire(): void {
    const expired = Date.now() - (this.timing.expireMs - this.checkMs);
    for (const [instanceId, instance] of this.remote) {
      if (instance.lastSeen >= expired) continue;
      this.remote.delete(instanceId);
      this.logger.warn({ instanceId }, "instance stopped sending presence heartbeats; its users left presence");
      for (const documentId of instance.documents.keys()) this.onChange(documentId);
    }
  }

  private send(message: PresenceMessage): void {
    this.bus.publish(CHANNEL, encodeJsonMessage(message));
  }

  private receive(data: Uint8Array): void {
    const decoded = decodeJsonMessage(PresenceMessageSchema, data);
    if (!decoded.ok) {
      this.logger.warn({ problem: decoded.problem }, "malformed presence message from another instance; ignored");
      return;
    }
    const message = decoded.message;
    if (!this.remote.has(message.instanceId) && (message.kind === "beat" || message.kind === "delta")) {
      // An instance we had dropped (it was silent too long) or never heard from: a delta says
      // one document, a beat nothing; ask everyone for their full state, its included.
      this.send({ kind: "hello", instanceId: this.bus.instanceId });
    }
    const instance = this.instance(message.instanceId);
    switch (message.kind) {
      case "beat":
        return;
      case "hello":
        this.send({ kind: "full", instanceId: this.bus.instanceId, documents: this.local.snapshot(this.localDocuments()) });
        return;
      case "delta":
        if (message.users.length > 0) instance.documents.set(message.documentId, message.users);
        else instance.documents.delete(message.documentId);
        this.onChange(message.documentId);
        return;
      case "full": {
        const changed = new Set([...instance.documents.keys(), ...message.documents.map((d) => d.documentId)]);
        instance.documents = new Map(message.documents.map((d) => [d.documentId, d.users]));
        for (const documentId of changed) this.onChange(documentId);
        return;
      }
      default: {
        const unknown: never = message;
        this.logger.warn({ message: unknown }, "unknown presence message; ignored");
      }
    }
  }

  private instance(instanceId: string): RemoteInstance {
    let instance = this.remote.get(instanceId);
    if (!instance) {
      instance = { lastSeen: Date.now(), documents: new Map() };
      this.remote.set(instanceId, instance);
    }
    instance.lastSeen = Date.now();
    return instance;
  }
}
