/**
 * A TCP proxy on 127.0.0.1 that a test puts between Tandem and PostgreSQL or Redis, to cause the
 * faults a network causes without touching the shared services: cut every connection with a
 * reset, refuse new ones, freeze (hold every byte in both directions, as a silent partition
 * does: no reset, no error), and restore.
 *
 *   const proxy = await FaultProxy.start(5432);   // listens on proxy.port
 *   proxy.freeze(); … proxy.restore();
 *   await proxy.close();
 */
import { createServer, Socket, type AddressInfo, type Server } from "node:net";

export type ProxyMode = "pass" | "refuse" | "freeze";

interface Pair {
  client: Socket;
  upstream: Socket;
}

export class FaultProxy {
  private readonly pairs = new Set<Pair>();
  private mode: ProxyMode = "pass";

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
  ) {}

  /** A proxy to `targetPort` on 127.0.0.1, listening on a free port. */
  static async start(targetPort: number, targetHost = "127.0.0.1"): Promise<FaultProxy> {
    const server = createServer();
    const proxy = new FaultProxy(server, { host: targetHost, port: targetPort });
    server.on("connection", (client) => proxy.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Connections currently open through the proxy. */
  get connections(): number {
    return this.pairs.size;
  }

  /** `url` with its host and port replaced by the proxy's (a postgresql:// or redis:// URL). */
  urlFor(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = "127.0.0.1";
    parsed.port = String(this.port);
    return parsed.toString();
  }

  /** Resets every open connection (both sides see ECONNRESET); new ones still pass. */
  cut(): void {
    for (const pair of [...this.pairs]) this.drop(pair, true);
  }

  /** Resets every open connection and every new one, until `restore()`. */
  refuse(): void {
    this.mode = "refuse";
    this.cut();
  }

  /**
   * Holds every byte in both directions, on open connections and new ones, until `restore()`:
   * nothing is reset, nothing errors, the peers just wait — a silent network partition.
   */
  freeze(): void {
    this.mode = "freeze";
    for (const { client, upstream } of this.pairs) {
      client.pause();
      upstream.pause();
    }
  }

  /** Back to passing everything; frozen connections carry on with what was held. */
  restore(): void {
    this.mode = "pass";
    for (const { client, upstream } of this.pairs) {
      client.resume();
      upstream.resume();
    }
  }

  async close(): Promise<void> {
    this.mode = "refuse";
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode === "refuse") {
      client.on("error", () => undefined);
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    if (this.mode === "freeze") client.pause();
    upstream.connect(this.target.port, this.target.host);
    client.on("data", (chunk: Buffer) => {
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on("data", (chunk: Buffer) => {
      if (!client.write(chunk)) upstream.pause();
    });
    upstream.on("drain", () => this.mode !== "freeze" && client.resume());
    client.on("drain", () => this.mode !== "freeze" && upstream.resume());
    if (this.mode === "freeze") upstream.once("connect", () => upstream.pause());
    const end = () => this.drop(pair, false);
    client.on("close", end);
    upstream.on("close", end);
    client.on("error", end);
    upstream.on("error", end);
  }

  private drop(pair: Pair, reset: boolean): void {
    if (!this.pairs.delete(pair)) return;
    for (const socket of [pair.client, pair.upstream]) {
      if (reset && !socket.destroyed) socket.resetAndDestroy();
      else socket.destroy();
    }
  }
}
