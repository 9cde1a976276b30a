import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Auth } from "../auth";
import type { DocumentsRepository } from "../documents";
import type { NotificationsRepository } from "../notifications/repository";
import type { Notifier } from "../notifications/notifier";
import { AppError } from "../errors";
import type { Logger } from "../logger";
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

/** Tandem's JSON API under /api. */
export function createApi(deps: ApiDependencies) {
  const { logger } = deps;
  const api = new Hono<ApiEnv>().basePath("/api");

  api.use(
    "*",
    bodyLimit({
      maxSize: MAX_JSON_BODY_BYTES,
      onError: () => {
        throw new AppError("payload_too_large", `The body is larger than ${MAX_JSON_BODY_BYTES / 1024} KiB.`);
      },
    }),
  );
  api.route("/auth", authRoutes(deps.auth, { trustProxy: deps.trustProxy }));

  const origin = sameOrigin({ publicUrl: deps.publicUrl, trustProxy: deps.trustProxy });
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
