import type { MiddlewareHandler } from "hono";
import { colorFor, type Auth } from "../auth";
import { unauthorized } from "../errors";
import type { ApiEnv, SessionUser } from "./env";

/** Looks up the session cookie and sets `user`; 401 without a valid session. */
export function requireSession(auth: Auth): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const user = await sessionUser(auth, c.req.raw.headers);
    if (!user) throw unauthorized();
    c.set("user", user);
    return next();
  };
}

/** The user behind the request's session cookie, or null. */
async function sessionUser(auth: Auth, headers: Headers): Promise<SessionUser | null> {
  const session = await auth.api.getSession({ headers });
  if (!session) return null;
  const { id, name, email, color } = session.user as typeof session.user & { color?: string | null };
  return { id, name, email, color: color ?? colorFor(email.toLowerCase()) };
}
