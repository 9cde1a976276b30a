/**
 * Document events on the stream, and what access changes do to open collaboration sockets
 * (docs/SPEC.md, "Document events" and "Access changes").
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { TestClient } from "../helpers/client";
import { textOf, waitFor, type CollabPeer } from "../helpers/collab-client";
import { startTestServer, type TestServer } from "../helpers/server";
import {
  closeCodeOf,
  createDocument,
  documentEvents,
  eventsAbout,
  joinDocument,
  openRawSocket,
  openStream,
  share,
  signUpAll,
  userOf,
  waitForDocumentEvent,
} from "./support";

let server: TestServer;
let alice: TestClient;
let bob: TestClient;
let carol: TestClient;
let dave: TestClient;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  server = await startTestServer();
  [alice, bob, carol, dave] = await signUpAll(server.url, ["Alice", "Bob", "Carol", "Dave"]);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => server?.close());

const open = (client: TestClient) => openStream(client, cleanups);

const join = (client: TestClient, documentId: string) => joinDocument(client, documentId, cleanups);

async function rawSocket(client: TestClient, documentId: string) {
  const socket = await openRawSocket(client, documentId);
  cleanups.push(() => socket.ws.terminate());
  return socket;
}

function appendText(fragment: Y.XmlFragment, text: string): void {
  const paragraph = new Y.XmlElement("paragraph");
  paragraph.insert(0, [new Y.XmlText(text)]);
  fragment.insert(fragment.length, [paragraph]);
}

/** Sets a field of the peer's awareness state, which the server relays even from viewers ([RO3]). */
function wave(peer: CollabPeer, value: number): void {
  peer.provider.awareness.setLocalStateField("wave", value);
}

function waveOf(observer: CollabPeer, from: CollabPeer): unknown {
  return (observer.provider.awareness.getStates().get(from.doc.clientID) as { wave?: unknown } | undefined)?.wave;
}

describe("document events", () => {
  it("[DE1] a rename reaches every member's stream and no one else's", async () => {
    const doc = await createDocument(alice, "Draft", [[bob, "viewer"]]);
    const [aliceStream, bobStream, carolStream] = await Promise.all([open(alice), open(bob), open(carol)]);
    const renamed = await alice.request("PATCH", `/api/documents/${doc}`, { title: "Final" });
    expect(renamed.status).toBe(200);
    for (const stream of [aliceStream, bobStream]) {
      expect(await waitForDocumentEvent(stream, "renamed", doc)).toEqual({ type: "renamed", documentId: doc, title: "Final" });
    }
    // Barrier: a later change of a document Carol is in reaches her; the rename never did.
    const carols = await createDocument(carol, "Carol's");
    await carol.request("PATCH", `/api/documents/${carols}`, { title: "Carol's, renamed" });
    await waitForDocumentEvent(carolStream, "renamed", carols);
    expect(eventsAbout(carolStream, doc)).toEqual([]);
  });

  it("[DE1] sharing, changing the role and removing tell the member of their own access", async () => {
    const doc = await createDocument(alice, "Access");
    const [bobStream, carolStream] = await Promise.all([open(bob), open(carol)]);
    await share(alice, doc, bob, "viewer");
    expect(await waitForDocumentEvent(bobStream, "access-granted", doc)).toEqual({ type: "access-granted", documentId: doc, role: "viewer" });
    const changed = await alice.request("PATCH", `/api/documents/${doc}/members/${userOf(bob).id}`, { role: "editor" });
    expect(changed.status).toBe(200);
    expect(await waitForDocumentEvent(bobStream, "role-changed", doc)).toEqual({ type: "role-changed", documentId: doc, role: "editor" });
    const removed = await alice.request("DELETE", `/api/documents/${doc}/members/${userOf(bob).id}`);
    expect(removed.status).toBe(204);
    expect(await waitForDocumentEvent(bobStream, "access-revoked", doc)).toEqual({ type: "access-revoked", documentId: doc });
    expect(documentEvents(bobStream).map((e) => e.type)).toEqual(["access-granted", "role-changed", "access-revoked"]);

    // Only the member concerned hears of it: Carol, sharing afterwards, gets only her own grant.
    await share(alice, doc, carol, "editor");
    await waitForDocumentEvent(carolStream, "access-granted", doc);
    expect(documentEvents(carolStream)).toEqual([{ type: "access-granted", documentId: doc, role: "editor" }]);
  });

  it("[DE1][AC1] deleting a document tells every former member and closes its sockets with 4404", async () => {
    const doc = await createDocument(alice, "Doomed", [
      [bob, "editor"],
      [dave, "viewer"],
    ]);
    const streams = await Promise.all([open(alice), open(bob), open(dave)]);
    const sockets = await Promise.all([rawSocket(alice, doc), rawSocket(bob, doc), rawSocket(dave, doc)]);
    const peer = await join(bob, doc);
    const providerClose = new Promise<number | undefined>((resolve) => peer.provider.once("connection-close", (event) => resolve(event?.code)));

    const deleted = await alice.request("DELETE", `/api/documents/${doc}`);
    expect(deleted.status).toBe(204);
    for (const stream of streams) expect(await waitForDocumentEvent(stream, "deleted", doc)).toEqual({ type: "deleted", documentId: doc });
    for (const socket of sockets) expect(await closeCodeOf(socket)).toBe(4404);
    expect(await providerClose).toBe(4404);
  });

  it("[AC2] removing a member closes that member's sockets with 4403, and only theirs", async () => {
    const doc = await createDocument(alice, "Removal", [
      [bob, "editor"],
      [dave, "editor"],
    ]);
    const bobStream = await open(bob);
    const [bobSocket, daveSocket] = await Promise.all([rawSocket(bob, doc), rawSocket(dave, doc)]);
    const bobPeer = await join(bob, doc);
    const alicePeer = await join(alice, doc);
    const providerClose = new Promise<number | undefined>((resolve) => bobPeer.provider.once("connection-close", (event) => resolve(event?.code)));

    expect((await alice.request("DELETE", `/api/documents/${doc}/members/${userOf(bob).id}`)).status).toBe(204);
    expect(await closeCodeOf(bobSocket)).toBe(4403);
    expect(await providerClose).toBe(4403);
    await waitForDocumentEvent(bobStream, "access-revoked", doc);
    // Dave and Alice stay connected and keep editing together.
    expect(daveSocket.ws.readyState).toBe(daveSocket.ws.OPEN);
    const davePeer = await join(dave, doc);
    appendText(alicePeer.fragment, "still here");
    await waitFor(() => textOf(davePeer.fragment).includes("still here"), "Alice's edit to reach Dave");
    expect(daveSocket.ws.readyState).toBe(daveSocket.ws.OPEN);
  });

  it("[AC3] an editor made viewer can no longer write on the open connection", async () => {
    const doc = await createDocument(alice, "Demotion", [[bob, "editor"]]);
    const bobStream = await open(bob);
    const alicePeer = await join(alice, doc);
    const bobPeer = await join(bob, doc);

    // As an editor, Bob's edits reach Alice.
    appendText(bobPeer.fragment, "written as editor");
    await waitFor(() => textOf(alicePeer.fragment).includes("written as editor"), "Bob's edit as editor");

    expect((await alice.request("PATCH", `/api/documents/${doc}/members/${userOf(bob).id}`, { role: "viewer" })).status).toBe(200);
    await waitForDocumentEvent(bobStream, "role-changed", doc);
    appendText(bobPeer.fragment, "written as viewer");
    // Barrier: Bob's awareness (relayed for viewers) is sent after the edit on the same socket.
    wave(bobPeer, 1);
    await waitFor(() => waveOf(alicePeer, bobPeer) === 1, "Bob's awareness to reach Alice");
    expect(textOf(alicePeer.fragment)).not.toContain("written as viewer");
    // Nor was it stored: a new peer loads the document without it.
    const fresh = await join(alice, doc);
    expect(textOf(fresh.fragment)).toContain("written as editor");
    expect(textOf(fresh.fragment)).not.toContain("written as viewer");
    // The connection itself stays open (a viewer still reads).
    appendText(alicePeer.fragment, "for the viewer");
    await waitFor(() => textOf(bobPeer.fragment).includes("for the viewer"), "Alice's edit to reach the viewer");
  });
});
