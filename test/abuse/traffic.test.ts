/**
 * What one client can do to the others ([LM1]–[LM7] in docs/SPEC.md): a flooding socket is
 * throttled and then closed while other documents keep their latency, one account cannot hold
 * unbounded sockets, an oversized cursor is refused, a long-standing long name is not multiplied
 * into every cursor, and a receiver that does not read is dropped instead of buffered forever.
 */
import type { Socket } from "node:net";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { CloseCode } from "../../server/collab/close-codes";
import { encodeAwareness, encodeUpdate } from "../../server/collab/protocol";
import { TestClient } from "../helpers/client";
import { connectPeer, textOf, waitFor, type CollabPeer } from "../helpers/collab-client";
import { rawSocket, sharedDocument, within, type RawSocket } from "../helpers/raw-socket";
import { startTestServer, type TestServer } from "../helpers/server";
import { SseClient } from "../helpers/sse-client";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function peer(client: TestClient, documentId: string): CollabPeer {
  const p = connectPeer(client, documentId);
  cleanups.push(() => p.destroy());
  return p;
}

function raw(server: TestServer, client: TestClient, documentId: string, options: WebSocket.ClientOptions = {}): Promise<RawSocket> {
  return rawSocket(server.url, client, documentId, { ...options, cleanups });
}

/** Appends one paragraph (one update) and returns its text node. */
function appendParagraph(p: CollabPeer, text: string): void {
  const paragraph = new Y.XmlElement("paragraph");
  paragraph.insert(0, [new Y.XmlText(text)]);
  p.fragment.insert(p.fragment.length, [paragraph]);
}

/** `count` small valid updates, each typing one more character into a text. */
function typingUpdates(count: number): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on("update", (update: Uint8Array) => updates.push(encodeUpdate(update)));
  const text = doc.getText("flood");
  for (let i = 0; i < count; i++) text.insert(i, "x");
  doc.destroy();
  return updates;
}

/** An awareness message for a made-up client id. */
function awarenessMessage(clientId: number, state: Record<string, unknown>, clock = 1): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const awareness = new awarenessProtocol.Awareness(doc);
  for (let i = 0; i < clock; i++) awareness.setLocalState(state);
  const message = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(awareness, [clientId]));
  awareness.destroy();
  doc.destroy();
  return message;
}

describe("[LM1] a flooding socket", () => {
  let server: TestServer;
  beforeAll(async () => {
    // Shipped limits, but a flood is closed after 2 s of throttling instead of 10 s.
    server = await startTestServer({ WS_THROTTLE_CLOSE_MS: "2000" });
  });
  afterAll(() => server?.close());

  it("is throttled, then closed with 4429, while edits in other documents keep arriving promptly", async () => {
    const flooder = await sharedDocument(server.url);
    const bystanders = await sharedDocument(server.url);
    const [a, b] = [peer(bystanders.owner, bystanders.id), peer(bystanders.other, bystanders.id)];
    await waitFor(() => a.provider.synced && b.provider.synced, "the bystanders to sync");

    const flood = await raw(server, flooder.owner, flooder.id);
    const updates = typingUpdates(5_000);
    for (const update of updates) flood.ws.send(update);

    // Meanwhile, the bystanders type in their own document.
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      appendParagraph(a, `edit ${i}`);
      await waitFor(() => textOf(b.fragment).includes(`edit ${i}`), `bystander edit ${i} to arrive`, 5_000);
      latencies.push(performance.now() - started);
    }
    const { code, reason } = await within(flood.closed, "the flooding socket to be closed", 10_000);
    expect({ code, reason }).toEqual({ code: CloseCode.rateLimited, reason: expect.stringMatching(/slow down/) });
    // Before the limits, the same flood took other documents' edits to 3.3 s at the median.
    latencies.sort((x, y) => x - y);
    expect(latencies[Math.floor(latencies.length / 2)]).toBeLessThan(250);
    expect(latencies.at(-1)).toBeLessThan(1_500);
  });
});

describe("[LM2] connections per account", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ MAX_CONNECTIONS_PER_USER: "4" });
  });
  afterAll(() => server?.close());

  it("past the limit a WebSocket or an event stream is refused with 429 and a JSON reason, until one closes", async () => {
    const { owner, id } = await sharedDocument(server.url);
    const sockets: RawSocket[] = [];
    for (let i = 0; i < 3; i++) sockets.push(await raw(server, owner, id));
    const stream = await SseClient.open(owner);
    cleanups.push(() => stream.close());
    expect(stream.status).toBe(200);

    const refused = await SseClient.open(owner);
    expect(refused.status).toBe(429);
    const upgrade = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/collab/${id}`, { headers: { cookie: owner.cookieHeader, origin: server.url } });
      ws.on("unexpected-response", (_request, response) => {
        let body = "";
        response.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      });
      ws.on("open", () => reject(new Error("the fifth connection was accepted")));
      ws.on("error", () => undefined);
    });
    expect(upgrade.status).toBe(429);
    expect(JSON.parse(upgrade.body)).toEqual({ error: { code: "rate_limited", message: expect.stringMatching(/Too many open connections for this account \(at most 4\)/) } });

    // Another person is not affected.
    const { other } = await sharedDocument(server.url);
    const theirs = await SseClient.open(other);
    cleanups.push(() => theirs.close());
    expect(theirs.status).toBe(200);

    sockets[0]?.ws.close();
    if (sockets[0]) await within(sockets[0].closed, "the first socket to close");
    // The slot frees once the server sees the TCP connection end: a new stream gets in then.
    await vi.waitFor(async () => {
      const again = await SseClient.open(owner);
      cleanups.push(() => again.close());
      expect(again.status).toBe(200);
    }, { timeout: 2_000, interval: 50 });
  });
});

describe("[LM3][LM4] cursors (awareness)", () => {
  let server: TestServer;
  let database: pg.Client;
  beforeAll(async () => {
    server = await startTestServer();
    database = new pg.Client({ connectionString: server.databaseUrl });
    await database.connect();
  });
  afterAll(async () => {
    await database?.end();
    await server?.close();
  });

  it("[LM4] an awareness state over MAX_AWARENESS_BYTES closes the connection with 1009", async () => {
    const { owner, id } = await sharedDocument(server.url);
    const watcher = peer(owner, id);
    await waitFor(() => watcher.provider.synced, "the watcher to sync");
    const sender = await raw(server, owner, id);
    sender.ws.send(awarenessMessage(0xbad, { cursor: 1, junk: "x".repeat(20_000) }));
    expect(await within(sender.closed, "the oversized cursor to close its socket")).toEqual({ code: CloseCode.messageTooBig, reason: expect.stringMatching(/Awareness state larger than 16 KiB/) });
    expect(watcher.provider.awareness.getStates().has(0xbad)).toBe(false);
  });

  it("[LM3] a viewer's burst of cursor updates, with a name from before names were limited, reaches ten peers as a bounded trickle", async () => {
    const { owner, other: viewer, id } = await sharedDocument(server.url, "viewer");
    // An account name stored before the 100-character rule existed.
    await database.query('UPDATE "user" SET name = $1 WHERE id = $2', ["N".repeat(60_000), viewer.user?.id]);
    const peers: RawSocket[] = [];
    let received = 0;
    for (let i = 0; i < 10; i++) {
      const p = await raw(server, owner, id);
      p.ws.on("message", (data: Buffer) => (received += data.byteLength));
      peers.push(p);
    }
    const sender = await raw(server, viewer, id);
    for (let clock = 1; clock <= 200; clock++) sender.ws.send(awarenessMessage(0xc0ffee, { cursor: clock }, clock));
    // Coalesced: the last state arrives (with the clipped name), the ones between need not.
    const last = { done: false };
    peers[0]?.ws.on("message", (data: Buffer) => {
      if (data.includes(Buffer.from('"cursor":200'))) last.done = true;
    });
    await waitFor(() => last.done, "the last cursor state to reach a peer", 10_000);
    // Before: 117 MB for the same 200 messages (each relayed state carried the 60,000-character name).
    expect(received).toBeLessThan(1024 * 1024);
  });
});

describe("[LM7] a receiver that does not read", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ MAX_PAYLOAD_BYTES: "65536", WS_SEND_BUFFER_BYTES: "65536", WS_BYTES_PER_SECOND: "1000000000" });
  });
  afterAll(() => server?.close());

  it("is dropped from its room once its unsent data passes WS_SEND_BUFFER_BYTES, and told 4408 when it reads again", async () => {
    const { owner, other, id } = await sharedDocument(server.url);
    const writer = peer(owner, id);
    const reader = peer(other, id);
    await waitFor(() => writer.provider.synced && reader.provider.synced, "writer and reader to sync");
    const stalled = await raw(server, other, id);
    const tcp = (stalled.ws as unknown as { _socket: Socket })._socket;
    tcp.pause();
    const room = server.rooms.get(id);
    expect(room?.connectionCount).toBe(3);

    // 50 KiB a paragraph: the loopback's kernel buffers fill, then the server's own.
    for (let i = 0; i < 400 && room?.connectionCount === 3; i++) {
      appendParagraph(writer, `${i} ${"z".repeat(50 * 1024)}`);
      await new Promise((resolve) => setImmediate(resolve));
      if (i % 20 === 19) await waitFor(() => textOf(reader.fragment).split("\n").length >= i, `the reader to keep up (${i})`, 10_000);
    }
    await waitFor(() => room?.connectionCount === 2, "the stalled receiver to leave the room", 10_000);
    // The writer and the reading client carry on.
    appendParagraph(writer, "after");
    await waitFor(() => textOf(reader.fragment).endsWith("after"), "the reader to get the next edit");

    tcp.resume();
    expect((await within(stalled.closed, "the stalled client to read its close", 20_000)).code).toBe(CloseCode.tooSlow);
  });
});
