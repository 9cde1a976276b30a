/**
 * Typed client for Tandem's JSON API (served by the custom Node server, same origin; the
 * HttpOnly session cookie travels with every request).
 */

import type { NotificationView } from "@/server/events/types";

export type Role = "owner" | "editor" | "viewer";
export type ShareRole = Exclude<Role, "owner">;

export interface User {
  id: string;
  name: string;
  email: string;
  /** "#rrggbb", stable per user. */
  color: string;
}

export interface DocumentSummary {
  id: string;
  title: string;
  role: Role;
  /** ISO 8601. */
  updatedAt: string;
  owner: { id: string; name: string };
}

export interface Member {
  user: User;
  role: Role;
}

/** A page of `GET /api/notifications`, newest first; `nextCursor` asks for the next (older) page. */
export interface NotificationPage {
  notifications: NotificationView[];
  unreadCount: number;
  nextCursor: string | null;
}

export interface DocumentDetail {
  id: string;
  title: string;
  role: Role;
  updatedAt: string;
  members: Member[];
}

/** A failed API call: the HTTP status and the server's error code and message. */
export class ApiError extends Error {
  override name = "ApiError";

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  get unauthorized(): boolean {
    return this.status === 401;
  }
}

/** The message to show a person for any failure. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return "Could not reach Tandem. Check your connection and try again.";
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong. Try again.";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/**
 * Reads an error body. Tandem's API answers `{"error":{"code","message"}}`; better-auth's own
 * routes answer `{"code","message"}`. Anything else falls back to the status text.
 */
async function toApiError(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's HTML error page, an empty body): the status alone describes it.
  }
  const source = isRecord(body) && isRecord(body.error) ? body.error : body;
  const code = isRecord(source) && typeof source.code === "string" ? source.code : `http_${response.status}`;
  const message = isRecord(source) && typeof source.message === "string" && source.message ? source.message : fallbackMessage(response.status);
  return new ApiError(response.status, code, message);
}

function fallbackMessage(status: number): string {
  switch (status) {
    case 401:
      return "Your session has ended. Sign in again.";
    case 403:
      return "You are not allowed to do that.";
    case 404:
      return "Not found.";
    case 429:
      return "Too many attempts. Wait a minute and try again.";
    default:
      return status >= 500 ? "Something went wrong on our side. Try again." : `The request failed (HTTP ${status}).`;
  }
}

interface RequestOptions {
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  body?: unknown;
  signal?: AbortSignal;
}

/**
 * Calls the API and parses the JSON answer (undefined for 204).
 * @throws ApiError for any non-2xx answer; TypeError when the network fails; AbortError when aborted.
 */
async function request<T>(path: string, { method = "GET", body, signal }: RequestOptions = {}): Promise<T> {
  const response = await fetch(path, {
    method,
    signal,
    credentials: "same-origin",
    headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  if (!response.ok) throw await toApiError(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  // The caller names the shape; the server is the one place that validates it.
  return (text ? JSON.parse(text) : undefined) as T;
}

const doc = (id: string) => `/api/documents/${encodeURIComponent(id)}`;

export const api = {
  /** Creates an account and never signs in: see `signUpAndSignIn`. */
  signUp: (input: { name: string; email: string; password: string }) => request<unknown>("/api/auth/sign-up/email", { method: "POST", body: input }),
  signIn: (input: { email: string; password: string }) => request<unknown>("/api/auth/sign-in/email", { method: "POST", body: input }),
  signOut: () => request<unknown>("/api/auth/sign-out", { method: "POST", body: {} }),
  me: (signal?: AbortSignal) => request<User>("/api/users/me", { signal }),

  listDocuments: (query: string, signal?: AbortSignal) =>
    request<DocumentSummary[]>(`/api/documents${query ? `?q=${encodeURIComponent(query)}` : ""}`, { signal }),
  createDocument: (title?: string) => request<DocumentSummary>("/api/documents", { method: "POST", body: title === undefined ? {} : { title } }),
  getDocument: (id: string, signal?: AbortSignal) => request<DocumentDetail>(doc(id), { signal }),
  renameDocument: (id: string, title: string) => request<DocumentDetail>(doc(id), { method: "PATCH", body: { title } }),
  deleteDocument: (id: string) => request<void>(doc(id), { method: "DELETE" }),

  addMember: (id: string, email: string, role: ShareRole) => request<Member>(`${doc(id)}/members`, { method: "POST", body: { email, role } }),
  changeRole: (id: string, userId: string, role: Role) =>
    request<Member>(`${doc(id)}/members/${encodeURIComponent(userId)}`, { method: "PATCH", body: { role } }),
  removeMember: (id: string, userId: string) => request<void>(`${doc(id)}/members/${encodeURIComponent(userId)}`, { method: "DELETE" }),

  listNotifications: (cursor?: string | null, signal?: AbortSignal) =>
    request<NotificationPage>(`/api/notifications${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`, { signal }),
  /** Marks the given notifications (or all of them) read; answers the new unread count. */
  markNotificationsRead: (which: string[] | "all") =>
    request<{ unreadCount: number }>("/api/notifications/read", { method: "POST", body: which === "all" ? { all: true } : { ids: which } }),
};

/** True for the error fetch throws when its AbortSignal fires. */
export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

/** The server's rules for titles and names, checked here to answer sooner. */
export { NAME_MAX, oneLineTextProblem, TITLE_MAX } from "@/server/text/characters";

/**
 * Signs up, then signs in with the same details. "not-created" when signing in is refused: the
 * email has an account with another password. Sign-up answers alike whether or not an email is
 * registered, so that is all the page can say, and all it should: not who has an account.
 * @throws ApiError when sign-up refuses (400 invalid input, 429), or sign-in fails otherwise.
 */
export async function signUpAndSignIn(input: { name: string; email: string; password: string }): Promise<"signed-in" | "not-created"> {
  await api.signUp(input);
  try {
    await api.signIn({ email: input.email, password: input.password });
  } catch (error) {
    if (error instanceof ApiError && error.unauthorized) return "not-created";
    throw error;
  }
  return "signed-in";
}

/**
 * A same-site path to go to after signing in, from an untrusted `next` parameter: only absolute
 * paths on this origin ("/d/…"), never "//host" or "https://…", so the link cannot send people away.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return next;
}

/** The sign-in page's address that comes back to `path` afterwards. */
export function signInPath(path: string): string {
  return path && path !== "/" ? `/sign-in?next=${encodeURIComponent(path)}` : "/sign-in";
}
