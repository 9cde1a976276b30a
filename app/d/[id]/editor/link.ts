/** Link targets a document may hold: web pages and email addresses. */
const ALLOWED_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/**
 * The href to store for what someone typed as a link target, or null if it is not an http(s)
 * or mailto address. "example.com/a" becomes "https://example.com/a" and "ada@example.com"
 * becomes "mailto:ada@example.com"; "javascript:…" and other schemes are refused.
 */
export function normalizeLinkHref(input: string): string | null {
  const text = input.trim();
  if (!text || /\s/.test(text)) return null;
  let candidate = text;
  if (/^[^\s:/?#@]+@[^\s:/?#@]+\.[^\s:/?#@]+$/.test(text)) candidate = `mailto:${text}`;
  else if (!/^[a-z][a-z0-9+.-]*:/i.test(text)) candidate = `https://${text.replace(/^\/\//, "")}`;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (!ALLOWED_PROTOCOLS.has(url.protocol)) return null;
  if (url.protocol === "mailto:") return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(decodeURIComponent(url.pathname)) ? url.href : null;
  // A host without a dot ("https://foo") is almost always a typo, except localhost.
  if (!url.hostname || (!url.hostname.includes(".") && url.hostname !== "localhost")) return null;
  return url.href;
}

/**
 * Whether an href found in content (pasted, autolinked, from another client) may be rendered
 * as a link: relative addresses and http(s)/mailto ones, never "javascript:" or "data:".
 */
export function isSafeHref(href: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(href.trim())?.[1];
  return scheme === undefined || ALLOWED_PROTOCOLS.has(`${scheme.toLowerCase()}:`);
}
