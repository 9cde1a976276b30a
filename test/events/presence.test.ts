/**
 * Presence over the event stream, derived from live collaboration connections
 * (docs/SPEC.md, "Presence").
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TestClient } from "../helpers/client";
import { connectPeer, waitFor } from "../helpers/collab-client";
import { startTestServer, type TestServer } from "../helpers/server";
import {
  closeCodeOf,
  createDocument,
  eventsAbout,
  joinDocument,
  openRawSocket,
  openStream,
  presenceOf,
  share,
  signUpAll,
  userOf,
  waitForPresence,
  waitForSnapshot,
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

const open = (client: TestClient) => openStream(client, cleanups, { snapshot: false });

const join = (client: TestClient, documentId: string) => joinDocument(client, documentId, cleanups);

describe("presence", () => {
  it("[PR1] the snapshot lists only the user's documents that have someone in them, with who is there", async () => {
    // Fresh users: the snapshot must be exact.
    const [ann, ben, cat] = await signUpAll(server.url, ["Ann", "Ben", "Cat"]);
    const shared = await createDocument(ann, "Shared with Ben", [[ben, "editor"]]);
    const annOnly = await createDocument(ann, "Ann only");
    const catsViewedByBen = await createDocument(cat, "Cat's, Ben views", [[ben, "viewer"]]);
    await createDocument(ben, "Ben's, empty");
    await join(ann, shared);
    await join(ann, annOnly);
    await join(cat, catsViewedByBen);

    const [benStream, annStream, carolStream] = await Promise.all([open(ben), open(ann), open(carol)]);
    const byDocument = (documents: Array<{ documentId: string; users: unknown[] }>) => new Map(documents.map((d) => [d.documentId, d.users]));
    const benSnapshot = await waitForSnapshot(benStream);
    expect(byDocument(benSnapshot.documents)).toEqual(
      new Map([
        [shared, [{ id: userOf(ann).id, name: "Ann", color: userOf(ann).color }]],
        [catsViewedByBen, [{ id: userOf(cat).id, name: "Cat", color: userOf(cat).color }]],
      ]),
    );
    const annSnapshot = await waitForSnapshot(annStream);
    expect(byDocument(annSnapshot.documents)).toEqual(
      new Map([
        [shared, [{ id: userOf(ann).id, name: "Ann", color: userOf(ann).color }]],
        [annOnly, [{ id: userOf(ann).id, name: "Ann", color: userOf(ann).color }]],
      ]),
    );
    // Carol is a member of none of them.
    expect((await waitForSnapshot(carolStream)).documents.filter((d) => [shared, annOnly, catsViewedByBen].includes(d.documentId))).toEqual([]);
  });

  it("[PR2] two tabs of one user count once; the user leaves with the last tab", async () => {
    const doc = await createDocument(alice, "Two tabs", [
      [bob, "editor"],
      [carol, "editor"],
    ]);
    const stream = await open(bob);
    await waitForSnapshot(stream);
    const a = userOf(alice).id;
    const c = userOf(carol).id;

    const tab1 = await join(alice, doc);
    await waitForPresence(stream, doc, [a]);
    const tab2 = await join(alice, doc);
    const carolPeer = await join(carol, doc);
    await waitForPresence(stream, doc, [a, c]);

    // A new stream's snapshot counts Alice once too.
    const second = await open(bob);
    const snapshot = await waitForSnapshot(second);
    expect(snapshot.documents.find((d) => d.documentId === doc)?.users.map((u) => u.id).sort()).toEqual([a, c].sort());

    tab1.destroy();
    await waitFor(() => server.rooms.get(doc)?.connectionCount === 2, "the server to drop Alice's first tab");
    carolPeer.destroy();
    // Alice is still there (her second tab): the list goes back to exactly [Alice].
    await waitForPresence(stream, doc, [a]);
    tab2.destroy();
    await waitForPresence(stream, doc, []);

    const lists = presenceOf(stream, doc);
    expect(lists.every((users) => new Set(users).size === users.length)).toBe(true);
    // Alice was listed in every change until her last tab closed.
    expect(lists.slice(0, -1).every((users) => users.includes(a))).toBe(true);
  });

  it("[PR4] every member with an open stream hears of a change, with the full list; non-members hear nothing", async () => {
    const doc = await createDocument(alice, "Members only", [
      [bob, "editor"],
      [dave, "editor"],
    ]);
    const carols = await createDocument(carol, "Carol's", [[alice, "editor"]]);
    const [bobStream, carolStream] = await Promise.all([open(bob), open(carol)]);
    await Promise.all([waitForSnapshot(bobStream), waitForSnapshot(carolStream)]);

    // Bob never connects to the document, yet hears who comes and goes.
    await join(dave, doc);
    await waitForPresence(bobStream, doc, [userOf(dave).id]);
    const alicePeer = await join(alice, doc);
    await waitForPresence(bobStream, doc, [userOf(dave).id, userOf(alice).id]);
    const latest = bobStream.named<{ snapshot: boolean; documents: Array<{ documentId: string; users: unknown[] }> }>("presence").at(-1)?.data;
    expect(latest?.snapshot).toBe(false);
    expect(latest?.documents).toEqual([
      {
        documentId: doc,
        users: expect.arrayContaining([
          { id: userOf(dave).id, name: "Dave", color: userOf(dave).color },
          { id: userOf(alice).id, name: "Alice", color: userOf(alice).color },
        ]) as unknown,
      },
    ]);
    alicePeer.destroy();
    await waitForPresence(bobStream, doc, [userOf(dave).id]);

    // Barrier: a later change of Carol's own document reaches her; nothing about `doc` came before it.
    const aliceAtCarols = await join(alice, carols);
    await waitForPresence(carolStream, carols, [userOf(alice).id]);
    aliceAtCarols.destroy();
    await waitForPresence(carolStream, carols, []);
    expect(eventsAbout(carolStream, doc)).toEqual([]);
  });

  it("[PR4] sharing and removing change who hears the next presence change at once (member lists are not served stale)", async () => {
    const doc = await createDocument(alice, "Membership changes");
    const [carolStream, bobStream] = await Promise.all([open(carol), open(bob)]);
    await Promise.all([waitForSnapshot(carolStream), waitForSnapshot(bobStream)]);
    await share(alice, doc, bob, "editor");
    // Alice joining reads (and keeps) the member list: Alice and Bob.
    const alicePeer = await join(alice, doc);
    await waitForPresence(bobStream, doc, [userOf(alice).id]);

    await share(alice, doc, carol, "viewer");
    const davePeerDoc = await createDocument(dave, "Barrier");
    const carolPeer = await join(carol, doc);
    await waitForPresence(carolStream, doc, [userOf(alice).id, userOf(carol).id]);

    expect((await alice.request("DELETE", `/api/documents/${doc}/members/${userOf(bob).id}`)).status).toBe(204);
    carolPeer.destroy();
    await waitForPresence(carolStream, doc, [userOf(alice).id]);
    // Barrier on Bob's stream: a change he may hear arrives after the one he must not.
    await share(dave, davePeerDoc, bob, "editor");
    const davePeer = await join(dave, davePeerDoc);
    await waitForPresence(bobStream, davePeerDoc, [userOf(dave).id]);
    // The last he heard of `doc` is Carol joining, from before he was removed: not her leaving.
    expect([...(presenceOf(bobStream, doc).at(-1) ?? [])].sort()).toEqual([userOf(alice).id, userOf(carol).id].sort());
    davePeer.destroy();
    alicePeer.destroy();
  });
});

describe("presence and the collaboration heartbeat", () => {
  let fast: TestServer;
  beforeAll(async () => {
    fast = await startTestServer({ HEARTBEAT_MS: "200" });
  });
  afterAll(() => fast?.close());

  it("[PR3] a connection terminated by the heartbeat leaves presence like a closed one", async () => {
    const [ann, ben] = await signUpAll(fast.url, ["Ann", "Ben"]);
    const doc = await createDocument(ann, "Heartbeat", [[ben, "editor"]]);
    const stream = await open(ben);
    await waitForSnapshot(stream);
    // Ben's real provider answers pings and stays; Ann's bare socket never does.
    const benPeer = connectPeer(ben, doc);
    cleanups.push(() => benPeer.destroy());
    await waitFor(() => benPeer.provider.synced, "Ben synced");
    await waitForPresence(stream, doc, [userOf(ben).id]);

    const silent = await openRawSocket(ann, doc, { autoPong: false });
    cleanups.push(() => silent.ws.terminate());
    await waitForPresence(stream, doc, [userOf(ben).id, userOf(ann).id]);
    await waitForPresence(stream, doc, [userOf(ben).id], 5_000);
    // Terminated by the server (no close frame), not closed by the client.
    expect(await closeCodeOf(silent)).toBe(1006);
    expect(benPeer.provider.wsconnected).toBe(true);
  });
});
