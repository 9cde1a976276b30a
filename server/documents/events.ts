import { z } from "zod";
import { DocumentIdSchema } from "./id";
import { ROLES, type Role } from "./roles";

/** What changed about a document's identity or access; collaboration and (later) event streams react. */
export type DocumentEvent =
  | { type: "renamed"; documentId: string; title: string }
  | { type: "deleted"; documentId: string; memberIds: string[] }
  | { type: "member-added"; documentId: string; userId: string; role: Role }
  | { type: "member-role-changed"; documentId: string; userId: string; role: Role }
  | { type: "member-removed"; documentId: string; userId: string };

export type DocumentEventListener = (event: DocumentEvent) => void;

const UserIdSchema = z.string().min(1).max(100);
const RoleSchema = z.enum(ROLES);

/** A document event as another instance sends it over the bus. */
export const DocumentEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("renamed"), documentId: DocumentIdSchema, title: z.string() }),
  z.object({ type: z.literal("deleted"), documentId: DocumentIdSchema, memberIds: z.array(UserIdSchema) }),
  z.object({ type: z.literal("member-added"), documentId: DocumentIdSchema, userId: UserIdSchema, role: RoleSchema }),
  z.object({ type: z.literal("member-role-changed"), documentId: DocumentIdSchema, userId: UserIdSchema, role: RoleSchema }),
  z.object({ type: z.literal("member-removed"), documentId: DocumentIdSchema, userId: UserIdSchema }),
]) satisfies z.ZodType<DocumentEvent>;
