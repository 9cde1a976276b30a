/**
 * A document has one id, whatever its spelling: PostgreSQL compares UUIDs case-insensitively,
 * so an id in capitals finds the same document, and it must find the same room too ([ID1]).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { CloseCode } from "../../server/collab/close-codes";
import { connectPeer, textOf, waitFor, type CollabPeer } from "../helpers/collab-client";
import { sharedDocument } from "../helpers/raw-socket";
import { startTestServer, type TestServer } from "../helpers/server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const peers: CollabPeer[] = [];
afterEach(() => {
  for (const p of peers.splice(0)) p.destroy();
});

function paragraph(text: string): Y.XmlElement {
  const element = new Y.XmlElement("paragraph");
  element.insert(0, [new Y.XmlText(text)]);
  return element;
}

describe("[ID1] document ids are canonical at every edge", () => {
  it("an id in capitals joins the same room as the lowercase id, and edits flow both ways", async () => {
    const { owner, other, id } = await sharedDocument(server.url);
    const lower = connectPeer(owner, id);
    const upper = connectPeer(other, id.toUpperCase());
    peers.push(lower, upper);
    await waitFor(() => lower.provider.synced && upper.provider.synced, "both clients to sync");
    expect(server.rooms.size).toBe(1);
    expect(server.rooms.get(id)?.connectionCount).toBe(2);

    lower.fragment.insert(0, [paragraph("from lowercase")]);
    upper.fragment.insert(upper.fragment.length, [paragraph("from capitals")]);
    await waitFor(() => textOf(lower.fragment).includes("from capitals") && textOf(upper.fragment).includes("from lowercase"), "the edits to cross");
  });

  it("a member removed while connected with an id in capitals is disconnected with 4403", async () => {
    const { owner, other, id } = await sharedDocument(server.url);
    const upper = connectPeer(other, id.toUpperCase());
    peers.push(upper);
    const closes: number[] = [];
    upper.provider.on("connection-close", (event) => {
      if (event) closes.push(event.code);
    });
    await waitFor(() => upper.provider.synced, "the client to sync");
    const removed = await owner.request("DELETE", `/api/documents/${id.toUpperCase()}/members/${other.user?.id}`);
    expect(removed.status).toBe(204);
    await waitFor(() => closes.includes(CloseCode.forbidden), "the capital-letters connection to be closed with 4403");
  });

  it("the API answers an id in capitals with the canonical id", async () => {
    const { owner, id } = await sharedDocument(server.url);
    const got = await owner.request<{ id: string }>("GET", `/api/documents/${id.toUpperCase()}`);
    expect(got.status).toBe(200);
    expect(got.body.id).toBe(id);
  });
});
