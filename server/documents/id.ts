/**
 * Document ids are UUIDs. PostgreSQL's uuid type compares them case-insensitively, but rooms,
 * bus channels and caches key on the string: every edge turns an id into this one spelling
 * (lowercase) or refuses it, so one document is never two rooms.
 */
import { z } from "zod";

const DOCUMENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The canonical (lowercase) spelling of a document id, or null when `raw` is not one. */
export function canonicalDocumentId(raw: string): string | null {
  return DOCUMENT_ID.test(raw) ? raw.toLowerCase() : null;
}

/** Whether `id` is a document id already in its canonical spelling. */
export function isCanonicalDocumentId(id: string): boolean {
  return canonicalDocumentId(id) === id;
}

/** A document id from outside (a path, a bus message), parsed into its canonical spelling. */
export const DocumentIdSchema = z.string().transform((raw, ctx) => {
  const id = canonicalDocumentId(raw);
  if (id === null) {
    ctx.addIssue({ code: "custom", message: "expected a document id (UUID)" });
    return z.NEVER;
  }
  return id;
});
