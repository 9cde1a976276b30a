import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { mentionsAdded, type Detection } from "./detect";
import { EXCERPT_CHARS, EXCERPT_ITEM_BUDGET } from "./excerpt";

const LIMIT = 20;
const BOB = { id: "user-bob", name: "Bob" };
const CAROL = { id: "user-carol", name: "Carol" };

/**
 * A client's document and the server's copy, synced update by update: each client transaction
 * is one update, applied to the server's document, where mentions are detected inside the
 * content's observer as a room does.
 */
class Session {
  readonly client = new Y.Doc();
  readonly server = new Y.Doc();
  readonly detections: Detection[] = [];

  constructor(limit = LIMIT) {
    const content = this.server.getXmlFragment("default");
    content.observeDeep((_events, transaction) => this.detections.push(mentionsAdded(transaction, content, limit)));
    this.client.on("update", (update: Uint8Array) => Y.applyUpdate(this.server, update));
  }

  get content(): Y.XmlFragment {
    return this.client.getXmlFragment("default");
  }

  /** Runs `change` on the client as one transaction (one update); returns what the server detected in it. */
  edit(change: (content: Y.XmlFragment) => void): Detection {
    const before = this.detections.length;
    this.client.transact(() => change(this.content));
    expect(this.detections.length, "one detection per update").toBe(before + 1);
    return this.detections[before] as Detection;
  }

  destroy(): void {
    this.client.destroy();
    this.server.destroy();
  }
}

const sessions: Session[] = [];
afterEach(() => {
  for (const session of sessions.splice(0)) session.destroy();
});

function session(limit?: number): Session {
  const created = new Session(limit);
  sessions.push(created);
  return created;
}

/** A Tiptap mention node, not yet in a document. */
function mention(user: { id: string; name: string }, mentionId: string): Y.XmlElement {
  const node = new Y.XmlElement("mention");
  node.setAttribute("id", user.id);
  node.setAttribute("label", user.name);
  node.setAttribute("mentionId", mentionId);
  return node;
}

/** A paragraph of inline nodes (strings become text nodes), not yet in a document. */
function paragraph(...inline: Array<string | Y.XmlText | Y.XmlElement>): Y.XmlElement {
  const node = new Y.XmlElement("paragraph");
  node.insert(
    0,
    inline.map((part) => (typeof part === "string" ? new Y.XmlText(part) : part)),
  );
  return node;
}

const letter = (i: number) => String.fromCharCode(97 + (i % 26));

/** The mention bomb: one paragraph of `count` mentions of Bob, each after an 800-character text run. */
function hostileParagraph(count: number): Y.XmlElement {
  const inline: Array<string | Y.XmlElement> = [];
  for (let i = 0; i < count; i += 1) inline.push(letter(i).repeat(800), mention(BOB, `bomb-${i}`));
  return paragraph(...inline);
}

/** Items in a text node's list (before Yjs merges them). */
function itemCount(text: Y.XmlText): number {
  let count = 0;
  for (let item = text._start; item; item = item.right) count += 1;
  return count;
}

describe("bounded detection", () => {
  it("[NT8] a hostile paragraph (2,500 mentions, each after 800 characters) yields the first 20 and reads as many items as a paragraph of 25 would", () => {
    const work: number[] = [];
    for (const count of [25, 2_500]) {
      const detection = session().edit((content) => content.insert(0, [hostileParagraph(count)]));
      expect(detection.mentions.map((m) => m.mentionId)).toEqual(Array.from({ length: LIMIT }, (_, i) => `bomb-${i}`));
      // Each excerpt is the window around its own mention, cut on both sides.
      for (const [i, found] of detection.mentions.entries()) expect(found.excerpt).toBe(`…${letter(i).repeat(80)}@Bob${letter(i + 1).repeat(76)}…`);
      work.push(detection.itemsVisited);
    }
    // The work follows the mentions acted on, not the paragraph: the same for 25 and for 2,500.
    expect(work[1]).toBe(work[0]);
    expect(work[1]).toBeLessThan(LIMIT * 20);
  });

  it("[NT8] an excerpt reads at most EXCERPT_ITEM_BUDGET items, however fragmented the text next to it", () => {
    const s = session();
    s.edit((content) => content.insert(0, [paragraph(new Y.XmlText())]));
    const block = s.content.get(0) as Y.XmlElement;
    const text = block.get(0) as Y.XmlText;
    // 20,000 one-character items in one update: typed at the start, they never merge.
    s.edit(() => {
      for (let i = 0; i < 20_000; i += 1) text.insert(0, "x");
    });
    const serverText = (s.server.getXmlFragment("default").get(0) as Y.XmlElement).get(0) as Y.XmlText;
    expect(itemCount(serverText)).toBe(20_000);

    const detection = s.edit(() => block.insert(1, Array.from({ length: LIMIT }, (_, i) => mention(BOB, `fragmented-${i}`))));
    expect(detection.mentions).toHaveLength(LIMIT);
    expect(detection.itemsVisited).toBeLessThanOrEqual(LIMIT * (EXCERPT_ITEM_BUDGET + 10));
    // The text before the mentions was not read to its end: the excerpt is cut there, never wrong.
    for (const found of detection.mentions) expect(found.excerpt).toBe(`…${"@Bob".repeat(LIMIT)}`);
  });

  it("[NT8] only the first `limit` valid mentions count; invalid ones and repeated mention ids are skipped", () => {
    const noLabel = new Y.XmlElement("mention");
    noLabel.setAttribute("id", BOB.id);
    noLabel.setAttribute("mentionId", "three");
    const detection = session(3).edit((content) =>
      content.insert(0, [
        paragraph(mention({ id: "", name: "Nobody" }, "no-user"), mention(BOB, "x".repeat(257)), mention(BOB, "one"), mention(BOB, "one"), mention(CAROL, "two"), noLabel, mention(BOB, "four")),
      ]),
    );
    expect(detection.mentions.map((m) => [m.mentionId, m.userId, m.label])).toEqual([
      ["one", BOB.id, "Bob"],
      ["two", CAROL.id, "Carol"],
      ["three", BOB.id, ""],
    ]);
  });

  it("[NT8] an excerpt keeps no part of the document's text alive", () => {
    const gc = exposeGc();
    const before = heapBytes(gc);
    const kept = detectInHugeParagraph();
    expect(kept[0]).toMatch(/^….{80}@Bob.{76}…$/);
    // Were the excerpt a slice of the paragraph's text, or of one of its runs, 4 MiB or more would stay.
    expect(heapBytes(gc) - before).toBeLessThan(1024 * 1024);
  });
});

/**
 * Detects a mention between two 4 MiB text runs (built by join: flat strings on the heap,
 * like decoded text), drops both documents, and returns what detection made of it. A function
 * of its own: its frame, and every reference to the documents, is gone once it returns.
 */
function detectInHugeParagraph(): string[] {
  const huge = () => Array.from({ length: 4096 }, (_, i) => letter(i).repeat(1024)).join("");
  const s = new Session();
  const detection = s.edit((content) => content.insert(0, [paragraph(huge(), mention(BOB, "in-the-middle"), huge())]));
  s.destroy();
  return detection.mentions.flatMap((m) => [m.excerpt, m.label, m.mentionId, m.userId]);
}

describe("what is detected", () => {
  it("[NT1] a mention typed into an existing paragraph", () => {
    const s = session();
    s.edit((content) => content.insert(0, [paragraph("Hello ")]));
    const block = s.content.get(0) as Y.XmlElement;
    const detection = s.edit(() => block.insert(1, [mention(BOB, "live")]));
    expect(detection.mentions).toEqual([{ mentionId: "live", userId: BOB.id, label: "Bob", excerpt: "Hello @Bob" }]);
  });

  it("[NT1][NT2] mentions inside pasted blocks, however deep, each with the text of its own block", () => {
    const list = new Y.XmlElement("bulletList");
    const item = new Y.XmlElement("listItem");
    item.insert(0, [paragraph("Item for ", mention(BOB, "nested"))]);
    list.insert(0, [item]);
    const detection = session().edit((content) => content.insert(0, [paragraph("Please review this, ", mention(BOB, "plain"), " thanks!"), list]));
    expect(detection.mentions.map((m) => [m.mentionId, m.excerpt])).toEqual([
      ["plain", "Please review this, @Bob thanks!"],
      ["nested", "Item for @Bob"],
    ]);
  });

  it("[NT2] excerpts of normal paragraphs: neighbouring mentions, formatting, whitespace, a long block cut around the mention", () => {
    const formatted = new Y.XmlText();
    formatted.insert(0, "  soon,\n please");
    formatted.format(2, 4, { bold: true });
    const detection = session().edit((content) =>
      content.insert(0, [
        paragraph(mention(CAROL, "first"), " and ", mention(BOB, "second"), formatted),
        paragraph("before ".repeat(60), mention(BOB, "long"), " after".repeat(60)),
        mention(BOB, "bare"),
      ]),
    );
    const excerpts = Object.fromEntries(detection.mentions.map((m) => [m.mentionId, m.excerpt]));
    expect(excerpts.first).toBe("@Carol and @Bob soon, please");
    expect(excerpts.second).toBe("@Carol and @Bob soon, please");
    // As always: EXCERPT_CHARS centred on the mention, "…" where the block goes on.
    expect(excerpts.long).toBe(`…${"before ".repeat(60).slice(-80)}@Bob${" after".repeat(60).slice(0, 76)}…`);
    expect(excerpts.long?.length).toBe(EXCERPT_CHARS + 2);
    // A mention outside any block is just itself.
    expect(excerpts.bare).toBe("@Bob");
  });

  it("[NT1] what the update did not add, what it removed again, and what is outside the content are not detected", () => {
    const s = session();
    s.edit((content) => content.insert(0, [paragraph("Hi ", mention(BOB, "old"))]));
    const block = s.content.get(0) as Y.XmlElement;
    // Typing next to an existing mention.
    expect(s.edit(() => block.insert(0, [new Y.XmlText("Oh, ")])).mentions).toEqual([]);
    // A mention added and removed by one update; a block with a mention, likewise.
    const gone = s.edit((content) => {
      block.insert(0, [mention(BOB, "gone")]);
      block.delete(0, 1);
      content.insert(1, [paragraph(mention(BOB, "in-deleted-block"))]);
      content.delete(1, 1);
    });
    expect(gone.mentions).toEqual([]);
    // One update, two shared types: only the content counts.
    const elsewhere = s.edit((content) => {
      s.client.getXmlFragment("other").insert(0, [paragraph(mention(BOB, "elsewhere"))]);
      content.insert(1, [paragraph(mention(BOB, "here"))]);
    });
    expect(elsewhere.mentions.map((m) => m.mentionId)).toEqual(["here"]);
  });
});

/** The garbage collector (V8 gives it to contexts made once the flag is set). */
function exposeGc(): () => void {
  setFlagsFromString("--expose-gc");
  const gc: unknown = runInNewContext("gc");
  if (typeof gc !== "function") throw new Error("could not expose the garbage collector");
  return () => void gc();
}

/** Bytes in use after a full collection (on the heap, and outside it for external strings). */
function heapBytes(gc: () => void): number {
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}
