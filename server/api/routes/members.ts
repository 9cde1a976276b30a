import { Hono } from "hono";
import { z } from "zod";
import type { DocumentsRepository } from "../../documents";
import type { ApiEnv } from "../env";
import { DocumentId, parseBody, parseValue, UserId } from "../validation";

const AddBody = z.object({ email: z.email("email must be an email address").max(254), role: z.enum(["editor", "viewer"]) }).strict();
const RoleBody = z.object({ role: z.enum(["owner", "editor", "viewer"]) }).strict();

/** `/api/documents/:id/members` and `/api/documents/:id/members/:userId`. */
export function memberRoutes(documents: DocumentsRepository) {
  return new Hono<ApiEnv>()
    .post("/:id/members", async (c) => {
      const id = parseValue(c.req.param("id"), DocumentId, "document id");
      const { email, role } = await parseBody(c, AddBody);
      return c.json(await documents.addMember(id, c.get("user").id, email.trim(), role), 201);
    })
    .patch("/:id/members/:userId", async (c) => {
      const id = parseValue(c.req.param("id"), DocumentId, "document id");
      const memberId = parseValue(c.req.param("userId"), UserId, "user id");
      const { role } = await parseBody(c, RoleBody);
      return c.json(await documents.changeRole(id, c.get("user").id, memberId, role));
    })
    .delete("/:id/members/:userId", async (c) => {
      const id = parseValue(c.req.param("id"), DocumentId, "document id");
      const memberId = parseValue(c.req.param("userId"), UserId, "user id");
      await documents.removeMember(id, c.get("user").id, memberId);
      return c.body(null, 204);
    });
}
