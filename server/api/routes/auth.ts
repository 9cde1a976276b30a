import { Hono } from "hono";
import { z } from "zod";
import { CLIENT_IP_HEADER, type Auth } from "../../auth";
import { AppError, errorCodeFor } from "../../errors";
import { clientAddress } from "../../http/client-address";
import type { ApiEnv } from "../env";

/**
 * better-auth's routes (`/api/auth/*`, e.g. sign-up/email, sign-in/email, sign-out). The client
 * address the rate limiter keys on is set here, from the socket, or from X-Forwarded-For only
 * behind a trusted proxy, so a client cannot pick its own bucket. Its answers are rewritten into
 * Tandem's: errors in the API's shape, no session token in a body, one shape for sign-up.
 */
export function authRoutes(auth: Auth, options: { trustProxy: boolean }) {
  return new Hono<ApiEnv>().on(["GET", "POST"], "/*", async (c) => {
    const headers = new Headers(c.req.raw.headers);
    headers.set(CLIENT_IP_HEADER, clientAddress(headers, c.env.incoming.socket.remoteAddress, options.trustProxy));
    const init: RequestInit & { duplex?: "half" } = { method: c.req.method, headers, body: c.req.raw.body, duplex: "half" };
    const response = await auth.handler(new Request(c.req.raw.url, init));
    if (response.status >= 400) return asApiError(response, `No API route for ${c.req.method} ${c.req.path}.`);
    if (c.req.path.endsWith("/sign-up/email")) return asSignUpAnswer(response);
    return withoutSessionToken(response);
  });
}

/** What better-auth answers on failure: `{code?, message}` (the rate limiter: only a message). */
const AuthFailure = z.object({ message: z.string().min(1) });

/**
 * better-auth's error, in the API's shape `{"error":{"code","message"}}` with the same status.
 * Without a message it is better-auth's router refusing an unknown path or method.
 */
async function asApiError(response: Response, noRoute: string): Promise<Response> {
  const failure = AuthFailure.safeParse(await response.clone().json().catch(() => null));
  const message = failure.success ? failure.data.message : response.status === 404 ? noRoute : `The request failed (HTTP ${response.status}).`;
  return rewritten(response, new AppError(errorCodeFor(response.status), message).toJSON());
}

/**
 * A successful sign-up, always in one shape. Sign-up never signs in and answers a registered
 * email exactly as a new one (better-auth's enumeration protection), but better-auth builds the
 * stand-in user with its keys in another order than the stored one: parsing fixes the order and
 * drops the (null) session token.
 */
const SignUpAnswer = z.object({
  user: z.object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    emailVerified: z.boolean(),
    image: z.string().nullable(),
    color: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
});

/** @throws Error when better-auth's answer is not the expected shape: better a 500 than a tell. */
async function asSignUpAnswer(response: Response): Promise<Response> {
  return rewritten(response, SignUpAnswer.parse(await response.clone().json()));
}

/**
 * better-auth also returns the session token in JSON bodies: at the top of sign-in's (for bearer
 * clients), inside `session` in get-session's and the session lists. Tandem's session lives in
 * an HttpOnly cookie that page scripts cannot read; no body may hand the same secret to them.
 */
async function withoutSessionToken(response: Response): Promise<Response> {
  if (!response.headers.get("content-type")?.includes("application/json")) return response;
  const body: unknown = await response.clone().json().catch(() => null);
  const { value, removed } = withoutTokens(body);
  return removed ? rewritten(response, value) : response;
}

/** `value` without `token` keys, at the top level and in `session` objects (nested or listed). */
function withoutTokens(value: unknown, depth = 0): { value: unknown; removed: boolean } {
  if (depth > 3 || !value || typeof value !== "object") return { value, removed: false };
  if (Array.isArray(value)) {
    const items = value.map((item) => withoutTokens(item, depth + 1));
    return { value: items.map((item) => item.value), removed: items.some((item) => item.removed) };
  }
  const copy: Record<string, unknown> = { ...value };
  let removed = "token" in copy;
  delete copy.token;
  for (const key of ["session", "sessions"]) {
    if (!(key in copy)) continue;
    const inner = withoutTokens(copy[key], depth + 1);
    copy[key] = inner.value;
    removed ||= inner.removed;
  }
  return { value: copy, removed };
}

/** `response` with another JSON body; status and headers (cookies) kept. */
function rewritten(response: Response, body: unknown): Response {
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify(body), { status: response.status, statusText: response.statusText, headers });
}
