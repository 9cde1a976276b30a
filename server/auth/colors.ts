/**
 * Cursor and avatar colours: distinct hues that keep white text readable and stand out on both
 * the light and the dark theme.
 */
export const USER_COLORS = [
  "#e11d48", "#db2777", "#c026d3", "#9333ea", "#6d28d9", "#4f46e5", "#2563eb", "#0369a1",
  "#0e7490", "#0f766e", "#047857", "#15803d", "#4d7c0f", "#a16207", "#c2410c", "#b91c1c",
] as const;

/** A stable colour for a user: the same input always gives the same colour (FNV-1a over the key). */
export function colorFor(key: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return USER_COLORS[(hash >>> 0) % USER_COLORS.length] ?? USER_COLORS[0];
}
