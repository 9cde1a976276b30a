import * as Y from "yjs";
import { excerptAround, labelOf, MENTION_NODE, type WorkMeter } from "./excerpt";

/** A mention node (Tiptap's Mention, node name `mention`) found in the document. */
export interface DetectedMention {
  mentionId: string;
  /** The mentioned user's id (the node's `id` attribute). */
  userId: string;
  label: string;
  /** The text of the block around the mention. */
  excerpt: string;
}

/** The mentions one accepted update added, as a room hands them over. */
export interface MentionsFound {
  documentId: string;
  authorId: string;
  mentions: DetectedMention[];
}

/** Where a room hands the mentions its clients' updates add. */
export interface MentionHandler {
  (found: MentionsFound): void;
  /** At most this many mentions are detected in one update; the rest notify nobody. */
  readonly perUpdate: number;
}

export interface Detection {
  mentions: DetectedMention[];
  /** Yjs items read: the update's new structs, their ancestors, and the excerpts' text. */
  itemsVisited: number;
}

/**
 * Longer `id` and `mentionId` attributes are not mentions Tandem made (user ids and mention ids
 * are short): they notify nobody, and never reach the database's unique index on mentionId,
 * whose rows have a size limit.
 */
const MAX_ID_CHARS = 256;

/**
 * Mention nodes that `transaction` added inside `root`, mentions inside added blocks (a pasted
 * paragraph) included: at most `limit` of them, with distinct mention ids, first created first.
 *
 * Reads only what the transaction added — the structs between its before and after state —
 * and stops once it has `limit`; each excerpt reads a bounded neighbourhood of its mention. So
 * the work grows with the update, never with the document or the paragraph the update is in.
 * Must run inside the transaction's observers: Yjs merges the new structs with their neighbours
 * after the observers (one merged item could then hold older content too).
 */
export function mentionsAdded(transaction: Y.Transaction, root: Y.XmlFragment, limit: number): Detection {
  const meter: WorkMeter = { itemsVisited: 0 };
  const found = new Map<string, DetectedMention>();
  const placement = new Placement(root, meter);
  for (const [client, after] of transaction.afterState) {
    const before = transaction.beforeState.get(client) ?? 0;
    const structs = transaction.doc.store.clients.get(client);
    if (after <= before || !structs) continue;
    for (let i = Y.findIndexSS(structs, before); i < structs.length && found.size < limit; i += 1) {
      const struct = structs[i];
      if (!struct || struct.id.clock >= after) break;
      meter.itemsVisited += 1;
      if (!(struct instanceof Y.Item)) continue;
      const element = mentionElement(struct);
      if (!element || !placement.contains(struct)) continue;
      const mention = readMention(element, found, meter);
      if (mention) found.set(mention.mentionId, mention);
    }
    if (found.size >= limit) break;
  }
  return { mentions: [...found.values()], itemsVisited: meter.itemsVisited };
}

/** The mention node an item carries, if it is a live child (not an attribute value) of some node. */
function mentionElement(struct: Y.Item): Y.XmlElement | null {
  if (struct.deleted || struct.parentSub !== null) return null;
  const content = struct.content;
  if (!(content instanceof Y.ContentType) || !(content.type instanceof Y.XmlElement)) return null;
  return content.type.nodeName === MENTION_NODE ? content.type : null;
}

/** A valid mention not already found (same mention id), with its excerpt. */
function readMention(element: Y.XmlElement, found: ReadonlyMap<string, DetectedMention>, meter: WorkMeter): DetectedMention | null {
  const userId: unknown = element.getAttribute("id");
  const mentionId: unknown = element.getAttribute("mentionId");
  if (!isId(userId) || !isId(mentionId) || found.has(mentionId)) return null;
  return { mentionId, userId, label: labelOf(element), excerpt: excerptAround(element, meter) };
}

function isId(value: unknown): value is string {
  return typeof value === "string" && value !== "" && value.length <= MAX_ID_CHARS;
}

/**
 * Whether an item is in the content: live, and under the root. Remembers the answer for every
 * item it walks through, so a detection walks each ancestor once however many mentions share
 * it, and however deep the nesting.
 */
class Placement {
  private readonly known = new Map<Y.Item, boolean>();

  constructor(
    private readonly root: Y.XmlFragment,
    private readonly meter: WorkMeter,
  ) {}

  contains(item: Y.Item): boolean {
    const path: Y.Item[] = [];
    let current = item;
    let inside = false;
    for (;;) {
      const known = this.known.get(current);
      if (known !== undefined) {
        inside = known;
        break;
      }
      this.meter.itemsVisited += 1;
      path.push(current);
      if (current.deleted) break;
      const parent = current.parent;
      if (parent === this.root) {
        inside = true;
        break;
      }
      if (!(parent instanceof Y.AbstractType) || !parent._item) break;
      current = parent._item;
    }
    for (const step of path) this.known.set(step, inside);
    return inside;
  }
}
