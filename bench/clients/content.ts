/**
 * What the simulated users write, in Tiptap's shape: the `Y.XmlFragment` named `default` holding
 * `paragraph` elements with one `Y.XmlText` each (and `mention` nodes for the mention scenario).
 */
import * as Y from "yjs";

export const CONTENT = "default";

export function fragmentOf(doc: Y.Doc): Y.XmlFragment {
  return doc.getXmlFragment(CONTENT);
}

/** Appends a new paragraph (one transaction) and returns its text, where this user types. */
export function addParagraph(doc: Y.Doc, initial = ""): Y.XmlText {
  const paragraph = new Y.XmlElement("paragraph");
  const text = new Y.XmlText(initial);
  paragraph.insert(0, [text]);
  const fragment = fragmentOf(doc);
  fragment.insert(fragment.length, [paragraph]);
  return text;
}

/** Appends a paragraph that mentions `user` (a Tiptap `mention` node), as the editor would. */
export function addMention(doc: Y.Doc, user: { id: string; name: string }, mentionId: string): void {
  const paragraph = new Y.XmlElement("paragraph");
  const mention = new Y.XmlElement("mention");
  mention.setAttribute("id", user.id);
  mention.setAttribute("label", user.name);
  mention.setAttribute("mentionId", mentionId);
  paragraph.insert(0, [new Y.XmlText("Could you look at this, "), mention, new Y.XmlText("?")]);
  const fragment = fragmentOf(doc);
  fragment.insert(fragment.length, [paragraph]);
}

/** The whole content as a string (for convergence checks). */
export function contentOf(doc: Y.Doc): string {
  return fragmentOf(doc).toString();
}

/** Plain text of a fragment of paragraphs, one line per paragraph. */
export function plainText(doc: Y.Doc): string {
  return fragmentOf(doc)
    .toArray()
    .map((node) => (node instanceof Y.XmlElement ? node.toArray().map((child) => (child instanceof Y.XmlText ? child.toString() : "")).join("") : ""))
    .join("\n");
}
