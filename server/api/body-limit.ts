import type { Context, MiddlewareHandler } from "hono";
import { AppError } from "../errors";
import type { ApiEnv } from "./env";

export interface BodyLimitOptions {
  /** Largest body a route may read. */
  maxBytes: number;
  /**
   * Largest body read (and discarded) to answer a too-large one with a clean 413; a body beyond
   * it gets the 413 and the connection is closed, which the client may see as a reset.
   */
  maxDrainedBytes: number;
}

/**
 * Refuses bodies over `maxBytes` with 413 before any route reads them. Unlike hono's bodyLimit,
 * it reads a refused body to its end before answering. A client that is still uploading does
 * not read the answer yet, and hono's bodyLimit answers at once, leaving the rest of the body
 * unread: @hono/node-server's clean-up cannot drain it (the stream it wraps the request in has
 * paused the request at its high-water mark) and closes the socket after 500 ms, with bytes
 * still unread, so the kernel resets the connection and the client never sees the 413. Drained,
 * the connection even stays usable for the next request.
 */
export function bodyLimit({ maxBytes, maxDrainedBytes }: BodyLimitOptions): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    // Decided from the headers while possible: the body stream is only made when it must be read
    // here, so a body a route does not read (it answers 401, 403) is left to Node to discard.
    const declared = declaredLength(c.req.raw.headers);
    if (declared === "none" || (declared !== "chunked" && declared <= maxBytes)) return next();
    if (declared !== "chunked" && declared > maxDrainedBytes) return tooLarge(c, maxBytes, { close: true });
    const body = c.req.raw.body;
    if (!body) return next();

    // Chunked, or more than allowed: read it to its end, keeping what a route may read.
    const reader = body.getReader();
    const kept: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      // Neither cancel the reader nor destroy the request: either would close the socket
      // before the answer is written.
      if (size > maxDrainedBytes) return tooLarge(c, maxBytes, { close: true });
      if (size <= maxBytes) kept.push(value);
    }
    if (size > maxBytes) return tooLarge(c, maxBytes, { close: false });
    c.req.raw = new Request(c.req.raw, { body: Buffer.concat(kept) });
    return next();
  };
}

/** The body's declared length in bytes, "chunked" when it has none, "none" without a body. */
function declaredLength(headers: Headers): number | "chunked" | "none" {
  if (headers.has("transfer-encoding")) return "chunked";
  const value = headers.get("content-length");
  if (value === null) return "none";
  // Node's HTTP parser has already refused a malformed Content-Length; read such a body anyway.
  return /^\d+$/.test(value) ? Number(value) : "chunked";
}

function tooLarge(c: Context<ApiEnv>, maxBytes: number, { close }: { close: boolean }): Response {
  const error = new AppError("payload_too_large", `The body is larger than ${maxBytes / 1024} KiB.`);
  return c.json(error.toJSON(), 413, close ? { connection: "close" } : {});
}
