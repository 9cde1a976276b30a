/** Someone with the document open, as the server names them in awareness (`user`). */
export interface PresentUser {
  id: string;
  name: string;
  /** "#rrggbb". */
  color: string;
}

const HEX_COLOR = /^#[0-9a-f]{6}$/i;

/** The awareness `user` field if it has the shape the server sets ({id, name, color}), else null. */
export function awarenessUser(state: Record<string, unknown> | undefined): PresentUser | null {
  const user: unknown = state?.user;
  if (typeof user !== "object" || user === null) return null;
  const { id, name, color } = user as Record<string, unknown>;
  if (typeof id !== "string" || !id || typeof name !== "string" || typeof color !== "string" || !HEX_COLOR.test(color)) return null;
  return { id, name, color };
}

/**
 * The people in the document, once each (a person with two tabs open has two awareness
 * states), in the order they first appear. States without a well-formed user are skipped:
 * peer data is untrusted.
 */
export function presentUsers(states: Iterable<Record<string, unknown>>): PresentUser[] {
  const byId = new Map<string, PresentUser>();
  for (const state of states) {
    const user = awarenessUser(state);
    if (user && !byId.has(user.id)) byId.set(user.id, user);
  }
  return [...byId.values()];
}

/** Whether two presence lists show the same people the same way (to keep a snapshot stable). */
export function samePresence(a: readonly PresentUser[], b: readonly PresentUser[]): boolean {
  return a.length === b.length && a.every((user, i) => user.id === b[i]?.id && user.name === b[i]?.name && user.color === b[i]?.color);
}
