import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import type { TestClient } from "./client";

export interface CollabPeer {
  doc: Y.Doc;
  provider: WebsocketProvider;
  /** The Tiptap content fragment. */
  fragment: Y.XmlFragment;
  destroy(): void;
}

/**
 * A Node y-websocket client for a signed-in test user: the real `WebsocketProvider`, over `ws`
 * with the user's session cookie and the app's Origin, as a browser tab would connect.
 */
export function connectPeer(client: TestClient, documentId: string, options: { doc?: Y.Doc; connect?: boolean } = {}): CollabPeer {
  const doc = options.doc ?? new Y.Doc();
  const headers = { cookie: client.cookieHeader, origin: client.baseUrl };
  class AuthenticatedWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  }
  const wsUrl = client.baseUrl.replace(/^http/, "ws") + "/collab";
  const provider = new WebsocketProvider(wsUrl, documentId, doc, {
    // The provider's option is typed for the browser's WebSocket; ws's class is compatible at run time.
    WebSocketPolyfill: AuthenticatedWebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    connect: options.connect ?? true,
    maxBackoffTime: 200,
  });
  return {
    doc,
    provider,
    fragment: doc.getXmlFragment("default"),
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

/** Resolves when `predicate` holds, polling every 10 ms; rejects after `timeoutMs` with `what`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Plain text of a fragment of paragraphs (one line per block). */
export function textOf(fragment: Y.XmlFragment): string {
  return fragment
    .toArray()
    .map((node) => (node instanceof Y.XmlText ? node.toString() : (node as Y.XmlElement).toArray().map((c) => (c instanceof Y.XmlText ? c.toString() : "")).join("")))
    .join("\n");
}
