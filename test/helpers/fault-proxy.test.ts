import { createServer, Socket, type AddressInfo, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FaultProxy } from "./fault-proxy";

let echo: Server;
let proxy: FaultProxy;
beforeAll(async () => {
  echo = createServer((socket) => {
    // A cut reaches the echo server as a reset: expected here.
    socket.on("error", () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", () => resolve()));
  proxy = await FaultProxy.start((echo.address() as AddressInfo).port);
});
afterAll(async () => {
  await proxy?.close();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});

/** A client of the proxy that records what comes back and how it ends. */
async function connect(): Promise<{ socket: Socket; received: () => string; ended: () => string | undefined }> {
  const socket = new Socket();
  let received = "";
  let ended: string | undefined;
  socket.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
  socket.on("error", (error: NodeJS.ErrnoException) => (ended = error.code ?? "error"));
  socket.on("close", () => (ended ??= "closed"));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
    socket.connect(proxy.port, "127.0.0.1");
  });
  return { socket, received: () => received, ended: () => ended };
}

describe("FaultProxy", () => {
  it("passes bytes both ways, holds them while frozen and delivers them on restore", async () => {
    const client = await connect();
    client.socket.write("one");
    await vi.waitFor(() => expect(client.received()).toBe("one"));
    proxy.freeze();
    client.socket.write("two");
    // Nothing may come back while frozen; the echo is held, not lost.
    await expect(vi.waitFor(() => expect(client.received()).toBe("onetwo"), { timeout: 300 })).rejects.toThrow();
    expect(client.ended()).toBeUndefined();
    proxy.restore();
    await vi.waitFor(() => expect(client.received()).toBe("onetwo"));
    client.socket.destroy();
  });

  it("cut resets open connections; refuse resets new ones until restore", async () => {
    const open = await connect();
    proxy.cut();
    await vi.waitFor(() => expect(open.ended()).toBe("ECONNRESET"));

    proxy.refuse();
    // The TCP handshake may complete before the proxy resets it: either way nothing gets through.
    const refused = await connect().catch((error: NodeJS.ErrnoException) => error.code ?? "error");
    if (typeof refused !== "string") await vi.waitFor(() => expect(refused.ended()).toMatch(/ECONNRESET|closed/));
    else expect(refused).toMatch(/ECONNRESET|EPIPE|error/);
    proxy.restore();
    const again = await connect();
    again.socket.write("back");
    await vi.waitFor(() => expect(again.received()).toBe("back"));
    again.socket.destroy();
  });
});
