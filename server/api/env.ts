import type { HttpBindings } from "@hono/node-server";
import type { SessionUser } from "../auth";

export type { SessionUser };

/** Hono's typing for Tandem's API: node bindings, and the user set by the session middleware. */
export interface ApiEnv {
  Bindings: HttpBindings;
  Variables: { user: SessionUser };
}
