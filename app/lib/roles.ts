import type { Role } from "./api";

/** Owners and editors change a document's title and content; viewers only read. */
export const canEdit = (role: Role): boolean => role === "owner" || role === "editor";

/** Only owners share, change roles, remove others and delete. */
export const isOwner = (role: Role): boolean => role === "owner";

export const ROLE_LABELS: Record<Role, string> = { owner: "Owner", editor: "Editor", viewer: "Viewer" };

export const ROLE_HINTS: Record<Role, string> = {
  owner: "Can edit, share and delete",
  editor: "Can edit",
  viewer: "Can read",
};

/** A role from untrusted text (an event's `role`), else null. */
export const asRole = (value: string): Role | null => (value === "owner" || value === "editor" || value === "viewer" ? value : null);
