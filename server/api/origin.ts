import type { IncomingHttpHeaders } from "node:http";
import type { MiddlewareHandler } from "hono";
import { forbidden } from "../errors";
import type { ApiEnv } from "./env";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The origin browsers use to reach this request's server: PUBLIC_URL when configured, otherwise
 * the scheme and Host of the request itself (X-Forwarded-Proto counts only behind a trusted proxy).
 */
export function requestOrigin(headers: HeaderReader, options: { publicUrl: string | undefined; trustProxy: boolean; encrypted: boolean }): string | null {
  if (options.publicUrl) return new URL(options.publicUrl).origin;
  const host = headers.get("host");
  if (!host) return null;
  const forwardedProto = options.trustProxy ? headers.get("x-forwarded-proto")?.split(",")[0]?.trim() : undefined;
  const scheme = forwardedProto ?? (options.encrypted ? "https" : "http");
  return `${scheme}://${host}`;
}

/** What `requestOrigin` reads of a request's headers: a fetch `Headers`, or Node's via `nodeHeaders`. */
export type HeaderReader = Pick<Headers, "get">;

/** Node's parsed headers as a `HeaderReader`, without copying them into a `Headers`. */
export function nodeHeaders(headers: IncomingHttpHeaders): HeaderReader {
  return {
    get: (name) => {
      const value = headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(", ") : (value ?? null);
    },
  };
}

/**
 * Refuses state-changing requests that a page on another origin sent with the user's cookies
 * (CSRF): the Origin header, which browsers always send on such requests, must be the app's.
 */
export function sameOrigin(options: { publicUrl: string | undefined; trustProxy: boolean }): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const origin = c.req.header("origin");
    const encrypted = "encrypted" in c.env.incoming.socket && Boolean(c.env.incoming.socket.encrypted);
    const expected = requestOrigin(c.req.raw.headers, { ...options, encrypted });
    if (!origin || origin !== expected) {
      throw forbidden(`Cross-origin request refused: Origin must be ${expected ?? "the app's origin"}.`, { origin });
    }
    return next();
  };
}
