/**
 * The error catalogue: every failure a client can see, with its HTTP status. The JSON body is
 * always `{"error":{"code","message"}}`.
 */
export const ERRORS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** The catalogue's code for an HTTP status; one it lacks is "internal" (5xx) or "bad_request". */
export function errorCodeFor(status: number): ErrorCode {
  const code = (Object.keys(ERRORS) as ErrorCode[]).find((key) => ERRORS[key] === status);
  return code ?? (status >= 500 ? "internal" : "bad_request");
}

export class AppError extends Error {
  override name = "AppError";
  readonly status: (typeof ERRORS)[ErrorCode];

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Context for the log (ids, what was expected); never sent to the client. */
    readonly context: Record<string, unknown> = {},
  ) {
    super(message);
    this.status = ERRORS[code];
  }

  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export const badRequest = (message: string, context?: Record<string, unknown>) => new AppError("bad_request", message, context);
export const unauthorized = (message = "Sign in to continue.") => new AppError("unauthorized", message);
export const forbidden = (message: string, context?: Record<string, unknown>) => new AppError("forbidden", message, context);
export const notFound = (message: string, context?: Record<string, unknown>) => new AppError("not_found", message, context);
export const conflict = (message: string, context?: Record<string, unknown>) => new AppError("conflict", message, context);
