import type { HttpBindings } from "@hono/node-server";

/** The signed-in user, as the API sees it. */
export interface SessionUser {
  id: string;
  name: string;
  email: string;
  color: string;
}

/** Hono's typing for Tandem's API: node bindings, and the user set by the session middleware. */
export interface ApiEnv {
  Bindings: HttpBindings;
  Variables: { user: SessionUser };
}
