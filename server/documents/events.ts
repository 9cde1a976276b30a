import type { Role } from "./roles";

/** What changed about a document's identity or access; collaboration and (later) event streams react. */
export type DocumentEvent =
  | { type: "renamed"; documentId: string; title: string }
  | { type: "deleted"; documentId: string; memberIds: string[] }
  | { type: "member-added"; documentId: string; userId: string; role: Role }
  | { type: "member-role-changed"; documentId: string; userId: string; role: Role }
  | { type: "member-removed"; documentId: string; userId: string };

export type DocumentEventListener = (event: DocumentEvent) => void;
