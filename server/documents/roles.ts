import type { Role } from "../db/generated/enums";

export type { Role };

export const ROLES = ["owner", "editor", "viewer"] as const satisfies readonly Role[];

/** Owners and editors change content and titles; viewers only read. */
export function canEdit(role: Role): boolean {
  return role === "owner" || role === "editor";
}

export function isOwner(role: Role): boolean {
  return role === "owner";
}
