import { z } from "zod";
import { decodeJsonMessage, encodeJsonMessage, type Bus } from "../bus";
import { DocumentEventSchema, type DocumentEvent } from "../documents";
import type { Logger } from "../logger";
import type { EventHub } from "./hub";
import { StreamEventSchema } from "./schemas";
import type { StreamEvent } from "./types";

const USER_EVENTS = "user-events";
const DOCUMENT_EVENTS = "document-events";
const UserEventSchema = z.object({ userId: z.string().min(1).max(100), event: StreamEventSchema });

/**
 * Events that must reach every instance: stream events for a user (a notification created on
 * one instance, the user's streams on others) and document access changes (rooms and streams
 * everywhere react). Each is handled locally at once and published for the other instances.
 */
export class ClusterEvents {
  private readonly unsubscribe: Array<() => void>;

  constructor(
    private readonly deps: { bus: Bus; hub: EventHub; onDocumentEvent: (event: DocumentEvent) => void; logger: Logger },
  ) {
    this.unsubscribe = [
      deps.bus.subscribe(USER_EVENTS, (data) => {
        const message = this.parse(UserEventSchema, data, USER_EVENTS);
        if (message) deps.hub.publish(message.userId, message.event);
      }),
      deps.bus.subscribe(DOCUMENT_EVENTS, (data) => {
        const event = this.parse(DocumentEventSchema, data, DOCUMENT_EVENTS);
        if (event) deps.onDocumentEvent(event);
      }),
    ];
  }

  /** Delivers a stream event to every stream of the user, on every instance. */
  readonly toUser = (userId: string, event: StreamEvent): void => {
    this.deps.hub.publish(userId, event);
    this.send(USER_EVENTS, { userId, event });
  };

  readonly documentChanged = (event: DocumentEvent): void => {
    this.deps.onDocumentEvent(event);
    this.send(DOCUMENT_EVENTS, event);
  };

  close(): void {
    for (const stop of this.unsubscribe) stop();
  }

  private send(channel: string, message: unknown): void {
    this.deps.bus.publish(channel, encodeJsonMessage(message));
  }

  private parse<S extends z.ZodType>(schema: S, data: Uint8Array, channel: string): z.infer<S> | null {
    const decoded = decodeJsonMessage(schema, data);
    if (decoded.ok) return decoded.message;
    this.deps.logger.warn({ channel, problem: decoded.problem }, "malformed event from another instance; ignored");
    return null;
  }
}
