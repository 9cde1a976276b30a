import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { TestClient } from "../helpers/client";
import { connectPeer, textOf, waitFor } from "../helpers/collab-client";
import { startTestServer, type TestServer } from "../helpers/server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe("co-editing over real sockets", () => {
  it("two y-websocket clients converge", async () => {
    const alice = await TestClient.signUp(server.url);
    const bob = await TestClient.signUp(server.url);
    const doc = (await alice.request<{ id: string }>("POST", "/api/documents", { title: "Smoke" })).body.id;
    await alice.request("POST", `/api/documents/${doc}/members`, { email: bob.user?.email, role: "editor" });
    const a = connectPeer(alice, doc);
    const b = connectPeer(bob, doc);
    await waitFor(() => a.provider.synced && b.provider.synced, "both synced");
    const p = new Y.XmlElement("paragraph");
    p.insert(0, [new Y.XmlText("hello")]);
    a.fragment.insert(0, [p]);
    await waitFor(() => textOf(b.fragment) === "hello", "bob sees hello");
    expect(textOf(b.fragment)).toBe("hello");
    a.destroy();
    b.destroy();
  });
});
