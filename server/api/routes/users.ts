import { Hono } from "hono";
import type { ApiEnv } from "../env";

/** `/api/users/me`: the signed-in user. */
export function userRoutes() {
  return new Hono<ApiEnv>().get("/me", (c) => c.json(c.get("user")));
}
