import { Hono } from "hono";
import { CLIENT_IP_HEADER, type Auth } from "../../auth";
import type { ApiEnv } from "../env";

/**
 * better-auth's routes (`/api/auth/*`, e.g. sign-up/email, sign-in/email, sign-out). The client
 * address the rate limiter keys on is set here, from the socket, or from X-Forwarded-For only
 * behind a trusted proxy, so a client cannot pick its own bucket.
 */
export function authRoutes(auth: Auth, options: { trustProxy: boolean }) {
  return new Hono<ApiEnv>().on(["GET", "POST"], "/*", async (c) => {
    const headers = new Headers(c.req.raw.headers);
    headers.set(CLIENT_IP_HEADER, clientAddress(headers, c.env.incoming.socket.remoteAddress, options.trustProxy));
    const init: RequestInit & { duplex?: "half" } = { method: c.req.method, headers, body: c.req.raw.body, duplex: "half" };
    return withoutSessionToken(await auth.handler(new Request(c.req.raw.url, init)));
  });
}

/**
 * better-auth also returns the session token in the JSON body of sign-in and sign-up (for
 * bearer clients). Tandem's session lives in an HttpOnly cookie that page scripts cannot read;
 * the body must not hand the same secret to them.
 */
async function withoutSessionToken(response: Response): Promise<Response> {
  if (!response.headers.get("content-type")?.includes("application/json")) return response;
  const body: unknown = await response.clone().json().catch(() => null);
  if (!body || typeof body !== "object" || !("token" in body)) return response;
  const rest: Record<string, unknown> = { ...body };
  delete rest.token;
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(JSON.stringify(rest), { status: response.status, statusText: response.statusText, headers });
}

function clientAddress(headers: Headers, socketAddress: string | undefined, trustProxy: boolean): string {
  if (trustProxy) {
    // The proxy appends the address it saw; earlier entries are whatever the client claimed.
    const forwarded = headers.get("x-forwarded-for")?.split(",").map((s) => s.trim()).filter(Boolean);
    const last = forwarded?.at(-1);
    if (last) return last;
  }
  return socketAddress ?? "unknown";
}
