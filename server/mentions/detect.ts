import * as Y from "yjs";

/** A mention node (Tiptap's Mention, node name `mention`) found in the document. */
export interface DetectedMention {
  mentionId: string;
  /** The mentioned user's id (the node's `id` attribute). */
  userId: string;
  label: string;
  /** The text of the block around the mention. */
  excerpt: string;
}

export const MENTION_NODE = "mention";
const EXCERPT_CHARS = 160;

/**
 * Mention nodes that the transaction described by `events` added to the document, including
 * mentions inside added blocks (a pasted paragraph). Must run inside the observer callback:
 * Yjs computes `changes` only while the transaction is being observed.
 */
export function mentionsAdded(events: ReadonlyArray<Y.YEvent<Y.AbstractType<unknown>>>): DetectedMention[] {
  const found = new Map<string, DetectedMention>();
  for (const event of events) {
    // Text changes never add elements, and computing their `changes` walks the whole text.
    if (event.target instanceof Y.XmlText) continue;
    for (const item of event.changes.added) {
      if (!(item.content instanceof Y.ContentType)) continue;
      const type = item.content.type;
      if (type instanceof Y.XmlElement) collect(type, found);
    }
  }
  return [...found.values()];
}

function collect(element: Y.XmlElement, found: Map<string, DetectedMention>): void {
  if (element.nodeName === MENTION_NODE) {
    const mention = readMention(element);
    if (mention) found.set(mention.mentionId, mention);
    return;
  }
  for (const child of element.toArray()) if (child instanceof Y.XmlElement) collect(child, found);
}

function readMention(element: Y.XmlElement): DetectedMention | null {
  const attrs = element.getAttributes() as Record<string, unknown>;
  const { id, label, mentionId } = attrs;
  if (typeof id !== "string" || id === "" || typeof mentionId !== "string" || mentionId === "") return null;
  return { mentionId, userId: id, label: typeof label === "string" ? label : "", excerpt: excerptAround(element) };
}

/** The text of the mention's block, cut to about EXCERPT_CHARS around the mention. */
export function excerptAround(mention: Y.XmlElement): string {
  const block = mention.parent;
  if (!(block instanceof Y.XmlElement)) return `@${String(mention.getAttribute("label") ?? "")}`;
  let text = "";
  let at = 0;
  for (const child of block.toArray()) {
    if (child === mention) at = text.length;
    text += inlineText(child);
  }
  text = text.replace(/\s+/g, " ");
  if (text.length <= EXCERPT_CHARS) return text.trim();
  const start = Math.max(0, Math.min(at - EXCERPT_CHARS / 2, text.length - EXCERPT_CHARS));
  const cut = text.slice(start, start + EXCERPT_CHARS).trim();
  return `${start > 0 ? "…" : ""}${cut}${start + EXCERPT_CHARS < text.length ? "…" : ""}`;
}

function inlineText(node: Y.XmlElement | Y.XmlText | Y.XmlHook): string {
  if (node instanceof Y.XmlText) {
    return (node.toDelta() as Array<{ insert: unknown }>).map((op) => (typeof op.insert === "string" ? op.insert : "")).join("");
  }
  if (node instanceof Y.XmlElement) {
    if (node.nodeName === MENTION_NODE) return `@${String(node.getAttribute("label") ?? "")}`;
    return node.toArray().map(inlineText).join("");
  }
  return "";
}
