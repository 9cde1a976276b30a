import { Hono } from "hono";
import { z } from "zod";
import { MAX_NOTIFICATION_ID, type NotificationsRepository } from "../../notifications/repository";
import type { Notifier } from "../../notifications/notifier";
import type { ApiEnv } from "../env";
import { parseBody, parseValue } from "../validation";

/** Digits within PostgreSQL's bigint: a larger id would fail the query instead of matching nothing. */
const NotificationId = z.string().refine((id) => /^\d{1,19}$/.test(id) && BigInt(id) <= MAX_NOTIFICATION_ID, "expected a notification id");
const ListQuery = z.object({
  cursor: NotificationId.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
const ReadBody = z.union([z.object({ ids: z.array(NotificationId).min(1).max(500) }).strict(), z.object({ all: z.literal(true) }).strict()]);

/** `GET /api/notifications` and `POST /api/notifications/read`. */
export function notificationRoutes(notifications: NotificationsRepository, notifier: Notifier) {
  return new Hono<ApiEnv>()
    .get("/", async (c) => {
      const { cursor, limit } = parseValue(c.req.query(), ListQuery, "query");
      return c.json(await notifications.list(c.get("user").id, { limit, ...(cursor ? { cursor: BigInt(cursor) } : {}) }));
    })
    .post("/read", async (c) => {
      const body = await parseBody(c, ReadBody);
      const unreadCount = await notifier.markRead(c.get("user").id, "all" in body ? { all: true } : { ids: body.ids.map((id) => BigInt(id)) });
      return c.json({ unreadCount });
    });
}
