/**
 * The rules for the short texts people type (titles, names, searches), shared by the server,
 * which enforces them, and the browser, which checks them to answer sooner. No Node.js APIs.
 */

/** Longest document title, in characters. */
export const TITLE_MAX = 200;

/** Longest account name, in characters. */
export const NAME_MAX = 100;

// Characters as a person counts them: "👩‍💻" is one, not the three code points or five UTF-16
// units it is made of, and "é" is one whether it is composed or not. The locale does not change
// grapheme boundaries.
const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });

/** The number of characters in `text` as a person counts them (grapheme clusters). */
export function characterCount(text: string): number {
  let count = 0;
  const segments = graphemes.segment(text)[Symbol.iterator]();
  while (!segments.next().done) count += 1;
  return count;
}

/**
 * C0 and C1 controls, DEL (all of Unicode's Cc, NUL included: PostgreSQL cannot store it in
 * text) and the line and paragraph separators: none belongs in a one-line text.
 */
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

/** Whether `text` contains a control character or a line break. */
export function hasControlCharacter(text: string): boolean {
  return CONTROL.test(text);
}

/**
 * Why `text` is not an acceptable one-line text of at most `max` characters, as a sentence
 * about `label` ("title", "name"), or null when it is. Emptiness is the caller's rule: a search
 * may be empty, a title may not. Trim before asking.
 */
export function oneLineTextProblem(text: string, { label, max }: { label: string; max: number }): string | null {
  if (hasControlCharacter(text)) return `${label} must be a single line without control characters`;
  // A character is at least one UTF-16 unit: a text no longer than `max` units needs no counting.
  if (text.length > max && characterCount(text) > max) return `${label} must be at most ${max} characters`;
  return null;
}

/**
 * `text` cut to at most `max` characters (whole grapheme clusters), for stored values that
 * predate a limit (an account name from before names were limited).
 */
export function clipCharacters(text: string, max: number): string {
  if (text.length <= max) return text;
  let clipped = "";
  let count = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (count === max) break;
    clipped += segment;
    count += 1;
  }
  return clipped;
}
