import { Hono } from "hono";
import type { Auth } from "../auth";
import type { DocumentsRepository } from "../documents";
import type { NotificationsRepository } from "../notifications/repository";
import type { Notifier } from "../notifications/notifier";
import { AppError } from "../errors";
import type { Logger } from "../logger";
import { bodyLimit } from "./body-limit";
import type { ApiEnv } from "./env";
import { sameOrigin } from "./origin";
import { authRoutes } from "./routes/auth";
import { documentRoutes } from "./routes/documents";
import { memberRoutes } from "./routes/members";
import { notificationRoutes } from "./routes/notifications";
import { userRoutes } from "./routes/users";
import { requireSession } from "./session";
import { MAX_JSON_BODY_BYTES } from "./validation";

export interface ApiDependencies {
  auth: Auth;
  documents: DocumentsRepository;
  notifications: NotificationsRepository;
  notifier: Notifier;
  logger: Logger;
  publicUrl: string | undefined;
  trustProxy: boolean;
}

/**
 * A too-large body is read up to this size before the 413, so that a client still uploading it
 * receives the answer (see body-limit.ts); beyond it the connection is closed instead. Node's
 * requestTimeout bounds how long a slow client can make that take.
 */
const MAX_DRAINED_BODY_BYTES = 1024 * 1024;

/** Tandem's JSON API under /api. */
export function createApi(deps: ApiDependencies) {
  const { logger } = deps;
  const api = new Hono<ApiEnv>().basePath("/api");

  api.use("*", bodyLimit({ maxBytes: MAX_JSON_BODY_BYTES, maxDrainedBytes: MAX_DRAINED_BODY_BYTES }));

  // better-auth's routes too: sign-up, sign-in, sign-out and update-user change state, and a
  // page on another origin must not sign someone in or out, or rename them.
  const origin = sameOrigin({ publicUrl: deps.publicUrl, trustProxy: deps.trustProxy });
  api.use("/auth/*", origin);
  api.route("/auth", authRoutes(deps.auth, { trustProxy: deps.trustProxy }));

  const session = requireSession(deps.auth);
  for (const path of ["/users/*", "/documents", "/documents/*", "/notifications", "/notifications/*"]) api.use(path, origin, session);

  api.route("/users", userRoutes());
  api.route("/documents", documentRoutes(deps.documents));
  api.route("/documents", memberRoutes(deps.documents));
  api.route("/notifications", notificationRoutes(deps.notifications, deps.notifier));

  api.notFound((c) => c.json(new AppError("not_found", `No API route for ${c.req.method} ${c.req.path}.`).toJSON(), 404));
  api.onError((error, c) => {
    if (error instanceof AppError) {
      if (error.status >= 500) logger.error({ err: error, ...error.context }, error.message);
      else logger.debug({ code: error.code, path: c.req.path, ...error.context }, error.message);
      return c.json(error.toJSON(), error.status);
    }
    logger.error({ err: error, method: c.req.method, path: c.req.path }, "API request failed");
    return c.json(new AppError("internal", "Something went wrong on our side. Try again.").toJSON(), 500);
  });
  return api;
}
