import type { Context } from "hono";
import { z } from "zod";
import { DocumentIdSchema } from "../documents";
import { AppError, badRequest } from "../errors";
import { oneLineTextProblem, TITLE_MAX } from "../text/characters";

/** Largest JSON body the API reads; larger requests get 413 before any parsing. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message)).join("; ");
}

/**
 * Reads and validates the JSON body.
 * @throws AppError 415 when it is not JSON, 400 when malformed or invalid.
 */
export async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/json")) {
    throw new AppError("unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");
  }
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw badRequest("The body is not valid JSON.");
  }
  const result = schema.safeParse(body);
  if (!result.success) throw badRequest(`Invalid request: ${describe(result.error)}`);
  return result.data;
}

/** Validates a path or query value. @throws AppError 400 */
export function parseValue<S extends z.ZodType>(value: unknown, schema: S, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(`Invalid ${what}: ${describe(result.error)}`);
  return result.data;
}

/** A document id in its canonical spelling (lowercase): see server/documents/id.ts. */
export const DocumentId = DocumentIdSchema;
export const UserId = z.string().min(1).max(100);

/** The one-line rule of server/text/characters.ts as a zod refinement. */
function oneLine(label: string, max: number) {
  return (text: string, ctx: z.RefinementCtx) => {
    const problem = oneLineTextProblem(text, { label, max });
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  };
}

/** A document title: 1–200 characters on one line, trimmed. */
export const Title = z.string().trim().min(1, "title must not be empty").superRefine(oneLine("title", TITLE_MAX));

/** The documents list's title filter: up to 200 characters on one line, trimmed; empty means none. */
export const SearchQuery = z.string().trim().superRefine(oneLine("q", TITLE_MAX));
