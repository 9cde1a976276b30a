import { Hono } from "hono";
import { z } from "zod";
import type { DocumentsRepository } from "../../documents";
import type { ApiEnv } from "../env";
import { DocumentId, parseBody, parseValue, SearchQuery, Title } from "../validation";

const ListQuery = z.object({ q: SearchQuery.optional() });
const CreateBody = z.object({ title: Title.optional() }).strict();
const RenameBody = z.object({ title: Title }).strict();

/** `/api/documents` and `/api/documents/:id`. */
export function documentRoutes(documents: DocumentsRepository) {
  return new Hono<ApiEnv>()
    .get("/", async (c) => {
      const { q } = parseValue(c.req.query(), ListQuery, "query");
      return c.json(await documents.list(c.get("user").id, q || undefined));
    })
    .post("/", async (c) => {
      const body = await parseBody(c, CreateBody);
      return c.json(await documents.create(c.get("user").id, body.title ?? "Untitled"), 201);
    })
    .get("/:id", async (c) => {
      const id = parseValue(c.req.param("id"), DocumentId, "document id");
      return c.json(await documents.get(id, c.get("user").id));
    })
    .patch("/:id", async (c) => {
      const id = parseValue(c.req.param("id"), DocumentId, "document id");
      const { title } = await parseBody(c, RenameBody);
      return c.json(await documents.rename(id, c.get("user").id, title));
    })
    .delete("/:id", async (c) => {
      const id = parseValue(c.req.param("id"), DocumentId, "document id");
      await documents.delete(id, c.get("user").id);
      return c.body(null, 204);
    });
}
