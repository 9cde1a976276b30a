import * as Y from "yjs";

/** The node name of Tiptap's Mention. */
export const MENTION_NODE = "mention";
/** An excerpt is about this many characters of the block's text around the mention. */
export const EXCERPT_CHARS = 160;
/**
 * The most items one excerpt reads, half on each side of the mention: its siblings and the
 * items of their text. A paragraph typed by a few people holds some dozens; a hostile one can
 * hold hundreds of thousands, and reading all of them for each of its mentions made detection
 * quadratic.
 */
export const EXCERPT_ITEM_BUDGET = 1_000;

/** Counts the Yjs items a detection reads (exposed so that tests can bound the work). */
export interface WorkMeter {
  itemsVisited: number;
}

/**
 * The text of the mention's block around it, about EXCERPT_CHARS characters with whitespace
 * collapsed, "…" where the block goes on. Reads only the text next to the mention, at most
 * EXCERPT_ITEM_BUDGET items; when that runs out the excerpt is cut there. The result is a flat
 * copy: it keeps no part of the document alive.
 */
export function excerptAround(mention: Y.XmlElement, meter: WorkMeter): string {
  const item = mention._item;
  if (!item || !(mention.parent instanceof Y.XmlElement)) return flatCopy(mentionText(mention));
  // Each side has half: text the budget cannot get through on one side still leaves the other.
  const before = textBefore(item, new ItemBudget(EXCERPT_ITEM_BUDGET / 2, meter));
  const after = textAfter(item, mention, new ItemBudget(EXCERPT_ITEM_BUDGET / 2, meter));
  return flatCopy(compose(before, after));
}

/** The mention's `label` attribute, "" when it is not a string, cut to the length of an excerpt. */
export function labelOf(mention: Y.XmlElement): string {
  return flatCopy(rawLabel(mention));
}

/** `@label`, as the editor shows a mention. */
function mentionText(mention: Y.XmlElement): string {
  return `@${rawLabel(mention)}`;
}

function rawLabel(mention: Y.XmlElement): string {
  const label: unknown = mention.getAttribute("label");
  return typeof label === "string" ? label.slice(0, EXCERPT_CHARS) : "";
}

/** Up to EXCERPT_CHARS + 1 characters and whether the text goes on past them. */
interface Side {
  text: string;
  more: boolean;
}

class ItemBudget {
  exhausted = false;
  constructor(
    private remaining: number,
    private readonly meter: WorkMeter,
  ) {}

  /** Takes one item from the budget; false (for good) once there is none left. */
  spend(): boolean {
    if (this.remaining <= 0) {
      this.exhausted = true;
      return false;
    }
    this.remaining -= 1;
    this.meter.itemsVisited += 1;
    return true;
  }
}

/** The text right before the mention, read sibling by sibling towards the block's start. */
function textBefore(mention: Y.Item, budget: ItemBudget): Side {
  let text = "";
  for (let sibling = mention.left; sibling; sibling = sibling.left) {
    if (!budget.spend()) return { text, more: true };
    if (sibling.deleted || !(sibling.content instanceof Y.ContentType)) continue;
    const want = EXCERPT_CHARS + 1 - text.length;
    // Only the sibling's last `want` characters are kept; its items are read from its start.
    let tail = "";
    for (const piece of textPieces(sibling.content.type, budget)) tail = (tail + piece.slice(-want)).slice(-want);
    // A tail cut short by the budget is not the text next to the mention: leave it out.
    if (budget.exhausted) return { text, more: true };
    text = tail + text;
    if (text.length > EXCERPT_CHARS) return { text, more: true };
  }
  return { text, more: false };
}

/** The mention as text, then the text after it, read sibling by sibling towards the block's end. */
function textAfter(mention: Y.Item, element: Y.XmlElement, budget: ItemBudget): Side {
  let text = mentionText(element);
  for (let sibling = mention.right; sibling; sibling = sibling.right) {
    if (!budget.spend()) return { text, more: true };
    if (sibling.deleted || !(sibling.content instanceof Y.ContentType)) continue;
    for (const piece of textPieces(sibling.content.type, budget)) {
      text += piece.slice(0, EXCERPT_CHARS + 1 - text.length);
      if (text.length > EXCERPT_CHARS) return { text, more: true };
    }
    if (budget.exhausted) return { text, more: true };
  }
  return { text, more: text.length > EXCERPT_CHARS };
}

/**
 * The visible text of an inline node, in order, one item's worth at a time (the item's own
 * string, not a copy); stops when the budget runs out. A mention reads as `@label`; other
 * elements as the text inside them; embeds and hooks as nothing.
 */
function* textPieces(node: Y.AbstractType<unknown>, budget: ItemBudget): Generator<string> {
  if (node instanceof Y.XmlElement && node.nodeName === MENTION_NODE) {
    yield mentionText(node);
    return;
  }
  if (!(node instanceof Y.XmlText) && !(node instanceof Y.XmlElement)) return;
  for (let item = node._start; item; item = item.right) {
    if (!budget.spend()) return;
    if (item.deleted) continue;
    if (node instanceof Y.XmlText && item.content instanceof Y.ContentString) yield item.content.str;
    else if (node instanceof Y.XmlElement && item.content instanceof Y.ContentType) yield* textPieces(item.content.type, budget);
  }
}

/** The window of about EXCERPT_CHARS around the mention (which starts where `before` ends). */
function compose(before: Side, after: Side): string {
  const left = collapseWhitespace(before.text);
  const text = left + collapseWhitespace(after.text);
  if (!before.more && !after.more && text.length <= EXCERPT_CHARS) return text.trim();
  const start = Math.max(0, Math.min(left.length - EXCERPT_CHARS / 2, text.length - EXCERPT_CHARS));
  const end = start + EXCERPT_CHARS;
  const cut = text.slice(start, end).trim();
  return `${start > 0 || before.more ? "…" : ""}${cut}${end < text.length || after.more ? "…" : ""}`;
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, " ");
}

/**
 * A copy of `text` that shares no memory with the strings it was cut from. V8 keeps a slice of
 * a long string as a view that holds the whole parent alive, and a concatenation as references
 * to its parts: an excerpt waiting in the notifier's queue would pin the document's text.
 * Decoding bytes always builds a new string.
 */
function flatCopy(text: string): string {
  return Buffer.from(text, "utf16le").toString("utf16le");
}
