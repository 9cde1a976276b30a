import { createHmac, timingSafeEqual } from "node:crypto";
import { parseCookies } from "better-auth/cookies";
import type { Sql } from "../db/prisma";

/** The signed-in person behind a request. */
export interface SessionUser {
  id: string;
  name: string;
  email: string;
  color: string;
}

/** A live session: who, and what a long-lived connection needs to end with it (live-sessions.ts). */
export interface Session {
  user: SessionUser;
  token: string;
  expiresAt: Date;
}

interface SessionRow extends SessionUser {
  expiresAt: Date;
}

/** better-auth's session cookie, without and with the prefix it adds on HTTPS. */
const COOKIE = "better-auth.session_token";
const SECURE_COOKIE = `__Secure-${COOKIE}`;
/** Length of a base64 HMAC-SHA256, as better-auth (better-call) signs cookies. */
const SIGNATURE_LENGTH = 44;

/**
 * Finds the user behind a better-auth session cookie with one HMAC and one indexed query (plain
 * SQL: see {@link Sql}), for the connections that open by the thousand at once (WebSockets and
 * event streams, e.g. when an instance restarts and its clients reconnect). better-auth's `getSession` makes the same
 * check through its endpoint pipeline, which costs as much CPU and memory per call as the rest
 * of a WebSocket connection together. HTTP requests keep using `getSession`: it also extends a
 * session that is in use.
 *
 * The cookie is `<token>.<base64 HMAC-SHA256(secret, token)>`, URL-encoded (better-call's
 * signed cookie); `session-lookup.test.ts` checks this against cookies better-auth issued.
 */
export class SessionLookup {
  constructor(
    private readonly sql: Sql,
    private readonly secret: string,
  ) {}

  /** The live session named by the `Cookie` header, or null. */
  async sessionOf(cookieHeader: string | undefined): Promise<Session | null> {
    const token = cookieHeader ? this.verifiedToken(cookieHeader) : null;
    if (!token) return null;
    // better-auth stores expiresAt as a UTC timestamp without time zone: compared in UTC.
    const { rows } = await this.sql.query<SessionRow>(
      `SELECT u.id, u.name, u.email, u.color, s."expiresAt" AT TIME ZONE 'UTC' AS "expiresAt"
         FROM session s JOIN "user" u ON u.id = s."userId"
        WHERE s.token = $1 AND s."expiresAt" > (now() AT TIME ZONE 'UTC')`,
      [token],
    );
    const row = rows[0];
    if (!row) return null;
    const { expiresAt, ...user } = row;
    return { user, token, expiresAt };
  }

  /** The user of a live session named by the `Cookie` header, or null. */
  async userOf(cookieHeader: string | undefined): Promise<SessionUser | null> {
    return (await this.sessionOf(cookieHeader))?.user ?? null;
  }

  /** The session token when the cookie carries one signed with our secret. */
  private verifiedToken(cookieHeader: string): string | null {
    const cookies = parseCookies(cookieHeader);
    const signed = cookies.get(SECURE_COOKIE) ?? cookies.get(COOKIE);
    if (!signed) return null;
    const dot = signed.lastIndexOf(".");
    if (dot < 1) return null;
    const token = signed.slice(0, dot);
    const signature = Buffer.from(signed.slice(dot + 1), "utf8");
    if (signature.length !== SIGNATURE_LENGTH) return null;
    const expected = Buffer.from(createHmac("sha256", this.secret).update(token).digest("base64"), "utf8");
    return timingSafeEqual(signature, expected) ? token : null;
  }
}
