/**
 * A message the room will not take although it is well-formed (too large, over the document's
 * size limit): its connection is closed with `code` and `reason`, which the browser shows.
 */
export class Refusal extends Error {
  override name = "Refusal";

  constructor(
    readonly code: number,
    /** At most 123 bytes: the limit of a WebSocket close reason. */
    readonly reason: string,
  ) {
    super(reason);
  }
}
