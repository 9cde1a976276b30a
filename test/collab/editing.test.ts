/**
 * Co-editing over real sockets: y-websocket clients (and raw `ws` sockets where a real client
 * cannot misbehave on purpose) against the real server and PostgreSQL.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as awarenessProtocol from "y-protocols/awareness";
import WebSocket from "ws";
import * as Y from "yjs";
import { CloseCode } from "../../server/collab/close-codes";
import { encodeAwareness, encodeUpdate } from "../../server/collab/protocol";
import { TestClient } from "../helpers/client";
import { connectPeer, textOf, waitFor, type CollabPeer } from "../helpers/collab-client";
import { rawSocket as openRawSocket, sharedDocument as sharedOn, within, type RawSocket } from "../helpers/raw-socket";
import { startTestServer, type TestServer } from "../helpers/server";

let server: TestServer;
/** A second instance with a small payload limit and a fast heartbeat, for [RM8] and [HB1] only. */
let strict: TestServer;
const STRICT_MAX_PAYLOAD = 65_536;

beforeAll(async () => {
  [server, strict] = await Promise.all([startTestServer(), startTestServer({ MAX_PAYLOAD_BYTES: String(STRICT_MAX_PAYLOAD), HEARTBEAT_MS: "200" })]);
});
afterAll(async () => {
  await Promise.all([server?.close(), strict?.close()]);
});

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** A y-websocket client, destroyed after the test. */
function peer(client: TestClient, documentId: string, options: Parameters<typeof connectPeer>[2] = {}): CollabPeer {
  const p = connectPeer(client, documentId, options);
  cleanups.push(() => p.destroy());
  return p;
}

/** Counts the connection closes a client sees: a peer that must stay connected throughout. */
function closesOf(p: CollabPeer): { count: number } {
  const seen = { count: 0 };
  p.provider.on("connection-close", () => {
    seen.count += 1;
  });
  return seen;
}

/** An owner and a second user with `role` on a new document. */
const sharedDocument = (target: TestServer, role: "editor" | "viewer" = "editor") => sharedOn(target.url, role);

/** Appends a paragraph holding `text`; returns its text node. */
function addParagraph(p: CollabPeer, text: string): Y.XmlText {
  const paragraph = new Y.XmlElement("paragraph");
  const content = new Y.XmlText(text);
  paragraph.insert(0, [content]);
  p.fragment.insert(p.fragment.length, [paragraph]);
  return content;
}

/** The text node of the first paragraph that has one. */
function firstText(p: CollabPeer): Y.XmlText {
  for (const node of p.fragment.toArray()) {
    const text = node instanceof Y.XmlElement ? node.get(0) : undefined;
    if (text instanceof Y.XmlText) return text;
  }
  throw new Error("the document has no paragraph with text");
}

const synced = (...peers: CollabPeer[]) => waitFor(() => peers.every((p) => p.provider.synced), "clients synced");

/** Resolves once the server has stored everything and released the room. */
const unloaded = (target: TestServer, documentId: string) => waitFor(() => target.rooms.get(documentId) === undefined, "the room to unload");

/**
 * A raw `ws` client of `client`'s tab, resolved once the room admitted it (its first message,
 * sync step 1, arrived). For what a y-websocket client would never send.
 */
function rawSocket(target: TestServer, client: TestClient, documentId: string, options: WebSocket.ClientOptions = {}): Promise<RawSocket> {
  return openRawSocket(target.url, client, documentId, { ...options, cleanups });
}

/** An awareness message announcing `state` for a made-up Yjs client id. */
function awarenessMessage(clientId: number, state: Record<string, unknown>): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const awareness = new awarenessProtocol.Awareness(doc);
  awareness.setLocalState(state);
  const message = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(awareness, [clientId]));
  awareness.destroy();
  doc.destroy();
  return message;
}

describe("editing", () => {
  it("two clients converge on concurrent edits to one paragraph", async () => {
    const { owner, other, id } = await sharedDocument(server);
    const a = peer(owner, id);
    const b = peer(other, id);
    await synced(a, b);
    addParagraph(a, "hello world");
    await waitFor(() => textOf(b.fragment) === "hello world", "b to see the paragraph");

    // In one synchronous block: neither edit can have seen the other.
    const aText = firstText(a);
    const bText = firstText(b);
    aText.insert(0, "A0 ");
    aText.delete(aText.length - 5, 5); // "world"
    aText.insert(aText.length, "there");
    bText.insert(5, ",");
    bText.insert(5, " B5");
    bText.insert(bText.length, "!");
    const expected = new Y.Doc();
    Y.applyUpdate(expected, Y.encodeStateAsUpdate(a.doc));
    Y.applyUpdate(expected, Y.encodeStateAsUpdate(b.doc));
    const merged = textOf(expected.getXmlFragment("default"));
    expected.destroy();
    // Both appended at the end at once: the client ids decide the order.
    expect(merged).toMatch(/^A0 hello B5, (there!|!there)$/);

    await waitFor(() => textOf(a.fragment) === merged && textOf(b.fragment) === merged, "both clients to converge");
    expect(a.fragment.length).toBe(1);
    expect(Y.encodeStateVector(a.doc)).toEqual(Y.encodeStateVector(b.doc));
  });

  it("[RM4] a late joiner gets everything: the content and the current awareness states", async () => {
    const { owner, other, id } = await sharedDocument(server);
    const a = peer(owner, id);
    const b = peer(other, id);
    await synced(a, b);
    addParagraph(a, "first");
    addParagraph(b, "second").insert(0, ">");
    a.provider.awareness.setLocalStateField("cursor", { anchor: 2, head: 2 });
    await waitFor(() => textOf(a.fragment) === textOf(b.fragment) && a.fragment.length === 2, "a and b to converge");
    await waitFor(() => b.provider.awareness.getStates().get(a.doc.clientID)?.cursor !== undefined, "b to see a's cursor");

    const late = peer(owner, id);
    await synced(late);
    await waitFor(() => textOf(late.fragment) === textOf(a.fragment), "the late joiner to catch up");
    // [RM4] the current awareness states come with admission.
    await waitFor(() => late.provider.awareness.getStates().get(a.doc.clientID)?.cursor !== undefined, "the late joiner to see a's cursor");
    expect(textOf(late.fragment)).toMatch(/^first\n>second$|^>second\nfirst$/);
    expect(Y.encodeStateVector(late.doc)).toEqual(Y.encodeStateVector(a.doc));
  });

  it("[RO2] a viewer's sync step 2 and updates are neither relayed nor stored, [RO1] while it still receives the editor's edits", async () => {
    const { owner, other: viewer, id } = await sharedDocument(server, "viewer");
    const editor = peer(owner, id);
    await synced(editor);
    addParagraph(editor, "shared");

    // Offline content the viewer answers the server's sync step 1 with (sync step 2).
    const viewerDoc = new Y.Doc();
    viewerDoc.getXmlFragment("default").insert(0, [new Y.XmlElement("heading")]);
    const v = peer(viewer, id, { doc: viewerDoc });
    await synced(v);
    await waitFor(() => textOf(v.fragment).includes("shared"), "[RO1] the viewer to receive the document");

    // A live update, then an awareness change on the same socket: the server handles the
    // viewer's messages in order and relays updates before awareness, so once the editor sees
    // the awareness change, a relayed update would have arrived too.
    firstText(v).insert(0, "viewer-write ");
    v.provider.awareness.setLocalStateField("marker", "after-write");
    await waitFor(() => editor.provider.awareness.getStates().get(v.doc.clientID)?.marker === "after-write", "[RO3] the viewer's awareness to reach the editor");
    expect(textOf(editor.fragment)).toBe("shared");
    expect(editor.fragment.length).toBe(1);

    firstText(editor).insert(6, " more");
    await waitFor(() => textOf(v.fragment).includes("shared more"), "[RO1] the viewer to receive a later edit");

    const editorState = textOf(editor.fragment);
    expect(editorState).toBe("shared more");
    editor.destroy();
    v.destroy();
    await unloaded(server, id);
    const reloaded = peer(owner, id);
    await synced(reloaded);
    await waitFor(() => textOf(reloaded.fragment) === editorState, "the stored state to load");
    expect(reloaded.fragment.length).toBe(1);
  });

  it("[AW1] the server replaces the user a client claims with its authenticated user", async () => {
    const { owner, other, id } = await sharedDocument(server);
    const a = peer(owner, id);
    const b = peer(other, id);
    await synced(a, b);
    a.provider.awareness.setLocalState({ user: { name: "Mallory", id: "x" }, cursor: { anchor: 1, head: 3 } });
    await waitFor(() => b.provider.awareness.getStates().get(a.doc.clientID)?.cursor !== undefined, "b to see a's cursor");
    expect(b.provider.awareness.getStates().get(a.doc.clientID)).toEqual({
      user: { id: owner.user?.id, name: owner.user?.name, color: owner.user?.color },
      cursor: { anchor: 1, head: 3 },
    });
  });

  it("[AW3] a connection that drops without saying goodbye has its awareness removed at once", async () => {
    const { owner, other, id } = await sharedDocument(server);
    const a = peer(owner, id);
    const b = peer(other, id);
    const bCloses = closesOf(b);
    await synced(a, b);
    a.provider.awareness.setLocalStateField("cursor", { anchor: 0, head: 0 });
    await waitFor(() => b.provider.awareness.getStates().has(a.doc.clientID), "b to see a");

    // No awareness removal from a (provider.disconnect() would send one): its socket just goes.
    a.provider.shouldConnect = false;
    (a.provider.ws as unknown as WebSocket).terminate();
    await waitFor(() => !b.provider.awareness.getStates().has(a.doc.clientID), "a's awareness to disappear at b");
    // y-websocket forgets every remote state when its own connection drops; b must not have.
    expect(bCloses.count).toBe(0);
  });

  it("[RM8] a message over MAX_PAYLOAD_BYTES closes the connection with 1009", async () => {
    const { owner, id } = await sharedDocument(strict);
    const raw = await rawSocket(strict, owner, id);
    // A valid update: only its size can get it refused.
    const doc = new Y.Doc();
    doc.getText("big").insert(0, "x".repeat(STRICT_MAX_PAYLOAD + 1_000));
    const message = encodeUpdate(Y.encodeStateAsUpdate(doc));
    doc.destroy();
    expect(message.byteLength).toBeGreaterThan(STRICT_MAX_PAYLOAD);
    raw.ws.send(message);
    expect((await within(raw.closed, "the oversized message to close the socket")).code).toBe(CloseCode.messageTooBig);
  });

  it("[RM7] a malformed message closes only that socket with 4400; the room and its other clients carry on", async () => {
    const { owner, other, id } = await sharedDocument(server);
    const a = peer(owner, id);
    const b = peer(other, id);
    const closes = [closesOf(a), closesOf(b)];
    await synced(a, b);
    addParagraph(a, "before");
    await waitFor(() => textOf(b.fragment) === "before", "b to see a's paragraph");

    const malformed: Array<[string, Uint8Array | string]> = [
      ["unknown message type", Uint8Array.of(9)],
      ["unknown sync type", Uint8Array.of(0, 7, 0)],
      ["truncated update", Uint8Array.of(0, 2, 5, 1, 2)],
      ["trailing bytes", Uint8Array.of(3, 0)],
      ["invalid awareness JSON", Uint8Array.of(1, 5, 1, 1, 1, 1, 0x7b)],
      ["text frame", "hello"],
    ];
    for (const [what, data] of malformed) {
      const raw = await rawSocket(server, owner, id);
      raw.ws.send(data);
      const { code, reason } = await within(raw.closed, `the ${what} to close the socket`);
      expect(code, what).toBe(CloseCode.malformedMessage);
      expect(reason, what).not.toBe("");
    }

    firstText(b).insert(6, " and after");
    await waitFor(() => textOf(a.fragment) === "before and after", "a to see b's edit after the malformed messages");
    expect(closes.map((c) => c.count)).toEqual([0, 0]);
  });

  it("[HB1][AW3] a connection that does not answer pings is terminated and its awareness disappears", async () => {
    const { owner, other, id } = await sharedDocument(strict);
    const observer = peer(other, id);
    const observerCloses = closesOf(observer);
    await synced(observer);

    const silent = await rawSocket(strict, owner, id, { autoPong: false });
    let pings = 0;
    silent.ws.on("ping", () => {
      pings += 1;
    });
    const clientId = 0x5eed;
    silent.ws.send(awarenessMessage(clientId, { cursor: { anchor: 0, head: 0 } }));
    await waitFor(() => observer.provider.awareness.getStates().has(clientId), "the observer to see the silent client");

    const { code } = await within(silent.closed, "the heartbeat to terminate the silent client");
    // terminate() drops the TCP connection without a close frame.
    expect(code).toBe(1006);
    expect(pings).toBeGreaterThan(0);
    await waitFor(() => !observer.provider.awareness.getStates().has(clientId), "the silent client's awareness to disappear");
    // The observer answered every ping and stayed connected.
    expect(observerCloses.count).toBe(0);
    expect(observer.provider.wsconnected).toBe(true);
  });
});
