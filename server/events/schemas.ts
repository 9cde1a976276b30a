/**
 * Schemas of what instances tell each other about event streams and presence: checked against
 * the types in types.ts (declared once, shared with the browser), and used to parse bus messages.
 */
import { z } from "zod";
import { DocumentIdSchema } from "../documents/id";
import type { DocumentChange, DocumentPresence, NotificationView, PresenceUser, StreamEvent } from "./types";

const UserId = z.string().min(1).max(100);

export const PresenceUserSchema = z.object({ id: UserId, name: z.string(), color: z.string() }) satisfies z.ZodType<PresenceUser>;

export const DocumentPresenceSchema = z.object({ documentId: DocumentIdSchema, users: z.array(PresenceUserSchema) }) satisfies z.ZodType<DocumentPresence>;

const NotificationViewSchema = z.object({
  id: z.string().regex(/^\d{1,19}$/),
  mentionId: z.string(),
  document: z.object({ id: DocumentIdSchema, title: z.string() }),
  author: PresenceUserSchema,
  excerpt: z.string(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
}) satisfies z.ZodType<NotificationView>;

const DocumentChangeSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("renamed"), documentId: DocumentIdSchema, title: z.string() }),
  z.object({ type: z.literal("deleted"), documentId: DocumentIdSchema }),
  z.object({ type: z.literal("access-granted"), documentId: DocumentIdSchema, role: z.string() }),
  z.object({ type: z.literal("role-changed"), documentId: DocumentIdSchema, role: z.string() }),
  z.object({ type: z.literal("access-revoked"), documentId: DocumentIdSchema }),
]) satisfies z.ZodType<DocumentChange>;

export const StreamEventSchema = z.discriminatedUnion("event", [
  z.object({ event: z.literal("presence"), data: z.object({ snapshot: z.boolean(), documents: z.array(DocumentPresenceSchema) }) }),
  z.object({ event: z.literal("notification"), data: NotificationViewSchema }),
  z.object({ event: z.literal("notification-read"), data: z.object({ ids: z.union([z.array(z.string()), z.literal("all")]), unreadCount: z.number().int().min(0) }) }),
  z.object({ event: z.literal("document"), data: DocumentChangeSchema }),
]) satisfies z.ZodType<StreamEvent>;
