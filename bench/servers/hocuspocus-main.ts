/**
 * The Hocuspocus peer, run as its own process by hocuspocus.ts: `@hocuspocus/server` with its
 * default settings (in memory, no extensions) on 127.0.0.1 and a free port. Prints one JSON line
 * `{"url": ...}` once listening; SIGTERM stops it.
 */
import { Server } from "@hocuspocus/server";

const server = new Server({ address: "127.0.0.1", port: 0, quiet: true });
await server.listen();
console.log(JSON.stringify({ url: `ws://127.0.0.1:${server.address.port}` }));

process.once("SIGTERM", () => {
  server.destroy().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
