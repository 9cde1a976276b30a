import type { IncomingMessage, ServerResponse } from "node:http";
import type { LiveSessions, SessionLookup } from "../auth";
import type { DocumentsRepository } from "../documents";
import { requestAddress } from "../http/client-address";
import type { ConnectionLimits } from "../limits";
import type { Logger } from "../logger";
import { MAX_NOTIFICATION_ID, type NotificationsRepository } from "../notifications/repository";
import type { EventHub } from "./hub";
import type { Presence } from "./presence";
import type { StreamEvent } from "./types";

export const EVENTS_PATH = "/api/events";
/** How long the browser waits before reconnecting (SSE `retry:`). */
const RETRY_MS = 3_000;
/** A client this far behind is dropped; it reconnects and resumes from its Last-Event-ID. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const LAST_EVENT_ID = /^\d{1,19}$/;
const REPLAY_PAGE = 500;

export interface EventStreamOptions {
  sessions: SessionLookup;
  /** Ends a stream when its session ends (sign-out, revocation, expiry). */
  liveSessions: LiveSessions;
  /** Open WebSockets and event streams per user and address (shared with the collaboration server). */
  connections: ConnectionLimits;
  trustProxy: boolean;
  hub: EventHub;
  presence: Presence;
  documents: DocumentsRepository;
  notifications: NotificationsRepository;
  logger: Logger;
  heartbeatMs: number;
}

/** Encodes one SSE event. Only notifications carry an `id:` (the resume point). */
export function encodeEvent(event: StreamEvent): string {
  const id = event.event === "notification" ? `id: ${event.data.id}\n` : "";
  return `${id}event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * The resume point: the `Last-Event-ID` header (sent by EventSource on reconnect), else the
 * `lastEventId` query parameter (a new EventSource cannot set headers). A malformed value is
 * ignored, as if none was sent.
 */
export function parseLastEventId(req: IncomingMessage, url: URL): bigint | undefined {
  const raw = (req.headers["last-event-id"] as string | undefined) ?? url.searchParams.get("lastEventId") ?? undefined;
  if (raw === undefined || !LAST_EVENT_ID.test(raw.trim())) return undefined;
  // 19 digits can exceed PostgreSQL's bigint, which would fail the replay query.
  const id = BigInt(raw.trim());
  return id <= MAX_NOTIFICATION_ID ? id : undefined;
}

/**
 * `GET /api/events`: presence, notifications and document changes for the signed-in user.
 * On connect: a presence snapshot, then every notification after the resume point in order,
 * then live events — none lost or repeated at the seam.
 */
export class EventStreams {
  private readonly open = new Set<ServerResponse>();

  constructor(private readonly options: EventStreamOptions) {}

  get size(): number {
    return this.open.size;
  }

  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { logger } = this.options;
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method !== "GET") return sendError(res, 405, "bad_request", "Use GET for the event stream.");
    const session = await this.options.sessions.sessionOf(req.headers.cookie);
    if (!session) return sendError(res, 401, "unauthorized", "Sign in to continue.");
    const { user } = session;
    const acquired = this.options.connections.acquire(user.id, requestAddress(req, this.options.trustProxy));
    if (!acquired.ok) return sendError(res, 429, "rate_limited", acquired.message);
    const { slot } = acquired;

    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
      connection: "keep-alive",
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    this.open.add(res);

    const send = (event: StreamEvent) => {
      res.write(encodeEvent(event));
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        logger.warn({ userId: user.id }, "event stream client too slow; closing it (it resumes from its last event id)");
        res.destroy();
      }
    };

    // Notifications are always read from the database, after the last id this stream sent: a
    // user's ids commit in increasing order, so this never skips one that arrives late from
    // another instance, and never sends one twice. A live notification only says "read again".
    const resumeFrom = parseLastEventId(req, url);
    let lastSent = -1n;
    let reading: Promise<void> = (async () => {
      lastSent = resumeFrom ?? (await this.options.notifications.latestId(user.id));
    })();
    const catchUp = () => {
      reading = reading
        .then(async () => {
          while (!res.destroyed) {
            const missed = await this.options.notifications.after(user.id, lastSent, REPLAY_PAGE);
            for (const notification of missed) {
              lastSent = BigInt(notification.id);
              send({ event: "notification", data: notification });
            }
            if (missed.length < REPLAY_PAGE) break;
          }
        })
        .catch((error: unknown) => {
          logger.error({ err: error, userId: user.id }, "reading notifications for the event stream failed");
          res.destroy();
        });
    };

    // Other events wait for the presence snapshot, which must come first.
    let held: StreamEvent[] | null = [];
    const unsubscribe = this.options.hub.subscribe(user.id, (event) => {
      if (event.event === "notification") catchUp();
      else if (held) held.push(event);
      else send(event);
    });
    const heartbeat = setInterval(() => res.write(": ping\n\n"), this.options.heartbeatMs);
    heartbeat.unref();
    // A session that ends ends the stream; the browser's reconnect then gets 401.
    const ending = { sessionEnded: () => res.end() };
    const tracked = this.options.liveSessions.track(session, ending);
    const cleanup = () => {
      clearInterval(heartbeat);
      unsubscribe();
      this.options.liveSessions.release(tracked, ending);
      slot.release();
      this.open.delete(res);
    };
    res.on("close", cleanup);

    try {
      const documentIds = await this.options.documents.documentIdsOf(user.id);
      send({ event: "presence", data: { snapshot: true, documents: this.options.presence.snapshot(documentIds) } });
      const pending = held;
      held = null;
      for (const event of pending) send(event);
      if (resumeFrom !== undefined) catchUp();
    } catch (error) {
      logger.error({ err: error, userId: user.id }, "starting the event stream failed");
      res.destroy();
    }
  };

  /** Ends every stream (shutdown); browsers reconnect with their Last-Event-ID. */
  closeAll(): void {
    for (const res of this.open) res.end();
    this.open.clear();
  }
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error: { code, message } }));
}
