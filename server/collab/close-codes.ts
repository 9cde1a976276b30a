/**
 * WebSocket close codes of /collab, shared by the server and the browser. 1xxx are the standard
 * ones; 4xxx are Tandem's own: a client reconnects after the retryable ones only.
 */
export const CloseCode = {
  /** The server restarts or shuts down; reconnect (to it or another instance). */
  serviceRestart: 1012,
  /** A message larger than the server's maxPayload. */
  messageTooBig: 1009,
  /** The server failed unexpectedly. */
  internalError: 1011,
  /** The peer missed a heartbeat. */
  heartbeatTimeout: 4000,
  /** The client did not read what the server sent fast enough; it reconnects and syncs. */
  tooSlow: 4408,
  /** The client sent faster than its limits for too long (it was throttled first); it reconnects after a pause. */
  rateLimited: 4429,
  /** The document reached its size limit: this write was refused, nothing else changed. */
  documentTooLarge: 4413,
  /** A message was not valid y-websocket protocol or carried an invalid Yjs update. */
  malformedMessage: 4400,
  /** The session ended (signed out or expired). */
  unauthorized: 4401,
  /** Access to the document was revoked. */
  forbidden: 4403,
  /** The document was deleted. */
  documentDeleted: 4404,
  /** The document's stored state could not be loaded; nothing was written. Retry later. */
  loadFailed: 4500,
} as const;

export type CloseCodeName = keyof typeof CloseCode;

/** Codes after which reconnecting cannot help until something changes (sign in, access). */
export const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.unauthorized,
  CloseCode.forbidden,
  CloseCode.documentDeleted,
  CloseCode.messageTooBig,
  CloseCode.malformedMessage,
  CloseCode.documentTooLarge,
]);
