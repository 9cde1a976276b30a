import { createHash } from "node:crypto";
import { z } from "zod";
import { decodeJsonMessage, encodeJsonMessage, type Bus } from "../bus";
import type { Sql } from "../db/prisma";
import type { Logger } from "../logger";

/** Bus channel on which an instance tells the others that a session was deleted. */
const CHANNEL = "session-ended";
/** Sessions checked per statement when re-validating. */
const RECHECK_CHUNK = 1_000;

const SessionEndedSchema = z.object({ session: z.string().regex(/^[0-9a-f]{64}$/) });

/** The session a long-lived connection was opened with. */
export interface OpenedSession {
  token: string;
  expiresAt: Date;
}

/** A connection that ends when its session does (closes its socket, ends its stream). */
export interface SessionBound {
  sessionEnded(): void;
}

/** One session with open connections; `track` hands it out as the handle to `release` with. */
export interface TrackedSession {
  readonly key: string;
  token: string;
  expiresAt: Date;
  readonly connections: Set<SessionBound>;
}

/**
 * The sessions behind open WebSockets and event streams, so that a session that ends, ends
 * everything opened with it: on sign-out or revocation at once (better-auth reports every
 * deleted session row; the bus tells the other instances), and on expiry or a deletion this
 * instance never heard of (another tool, the database) at the next re-validation, every
 * `recheckMs`. Connections are keyed by a hash of the token: the token never leaves the
 * process, not even over the bus.
 */
export class LiveSessions {
  private readonly sessions = new Map<string, TrackedSession>();
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private rechecking = false;

  constructor(
    private readonly deps: { sql: Sql; bus: Bus; logger: Logger; recheckMs: number },
  ) {
    this.unsubscribe = deps.bus.subscribe(CHANNEL, (data) => this.received(data));
    this.timer = setInterval(() => void this.recheck(), deps.recheckMs);
    this.timer.unref();
  }

  /** Open connections being watched, over all sessions (for tests and metrics). */
  get connectionCount(): number {
    let count = 0;
    for (const tracked of this.sessions.values()) count += tracked.connections.size;
    return count;
  }

  /**
   * Watches one connection opened with `session`: it is told when the session ends. Returns the
   * session's entry (shared by its connections), for `release` once the connection closes.
   */
  track(session: OpenedSession, connection: SessionBound): TrackedSession {
    const key = hashToken(session.token);
    let tracked = this.sessions.get(key);
    if (!tracked) {
      tracked = { key, token: session.token, expiresAt: session.expiresAt, connections: new Set() };
      this.sessions.set(key, tracked);
    }
    tracked.connections.add(connection);
    return tracked;
  }

  /** The connection closed: stop watching it. Safe to call twice, and after its session ended. */
  release(tracked: TrackedSession, connection: SessionBound): void {
    if (!tracked.connections.delete(connection)) return;
    if (tracked.connections.size === 0 && this.sessions.get(tracked.key) === tracked) this.sessions.delete(tracked.key);
  }

  /** A session row was deleted here (sign-out, revocation): end its connections on every instance. */
  readonly ended = (token: string): void => {
    const key = hashToken(token);
    this.end(key, "deleted");
    this.deps.bus.publish(CHANNEL, encodeJsonMessage({ session: key }));
  };

  /** Ends the connections of every session that expired or no longer exists. */
  async recheck(): Promise<void> {
    if (this.rechecking || this.sessions.size === 0) return;
    this.rechecking = true;
    try {
      const now = Date.now();
      for (const [key, tracked] of this.sessions) if (tracked.expiresAt.getTime() <= now) this.end(key, "expired");
      const keys = [...this.sessions.keys()];
      for (let start = 0; start < keys.length; start += RECHECK_CHUNK) await this.recheckChunk(keys.slice(start, start + RECHECK_CHUNK));
    } catch (error) {
      // Kept open until the next round: a database outage must not sign everyone out.
      this.deps.logger.warn({ err: error }, "re-validating the sessions of open connections failed; retrying at the next round");
    } finally {
      this.rechecking = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.unsubscribe();
  }

  private async recheckChunk(keys: string[]): Promise<void> {
    const tokens = keys.flatMap((key) => this.sessions.get(key)?.token ?? []);
    // better-auth stores expiresAt as a UTC timestamp without time zone: compared in UTC.
    const { rows } = await this.deps.sql.query<{ token: string; expiresAt: Date }>(
      `SELECT token, "expiresAt" AT TIME ZONE 'UTC' AS "expiresAt" FROM session
        WHERE token = ANY($1::text[]) AND "expiresAt" > (now() AT TIME ZONE 'UTC')`,
      [tokens],
    );
    const live = new Map(rows.map((row) => [row.token, row.expiresAt]));
    for (const key of keys) {
      const tracked = this.sessions.get(key);
      if (!tracked) continue;
      const expiresAt = live.get(tracked.token);
      // In use, better-auth extends a session: follow it, or the connection would end early.
      if (expiresAt) tracked.expiresAt = expiresAt;
      else this.end(key, "revoked or expired");
    }
  }

  private received(data: Uint8Array): void {
    const decoded = decodeJsonMessage(SessionEndedSchema, data);
    if (!decoded.ok) {
      this.deps.logger.warn({ problem: decoded.problem }, "malformed session-ended message from another instance; ignored");
      return;
    }
    this.end(decoded.message.session, "deleted on another instance");
  }

  private end(key: string, why: string): void {
    const tracked = this.sessions.get(key);
    if (!tracked) return;
    this.sessions.delete(key);
    this.deps.logger.info({ connections: tracked.connections.size, why }, "session ended; closing its connections");
    for (const connection of [...tracked.connections]) connection.sessionEnded();
  }
}

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
