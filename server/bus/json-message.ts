import type { z } from "zod";

/**
 * JSON messages between instances. What another instance sends is input like any other: during
 * a rolling deploy it may run another version, so every message is parsed with a schema, and
 * one that does not fit is reported to the caller (who logs and ignores it), never thrown
 * inside the bus listener.
 */
export function encodeJsonMessage(message: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(message));
}

export type Decoded<T> = { ok: true; message: T } | { ok: false; problem: string };

export function decodeJsonMessage<S extends z.ZodType>(schema: S, data: Uint8Array): Decoded<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return { ok: false, problem: "not JSON" };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, problem: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ") };
  return { ok: true, message: parsed.data };
}
