/**
 * Tandem's public HTTP API as the bench uses it to set up: sign up users, create documents,
 * share them. Every request carries the app's Origin and the user's session cookie, as a page of
 * the app would.
 */
import { randomUUID } from "node:crypto";

export interface TandemUser {
  id: string;
  name: string;
  email: string;
  /** The `cookie` header value that carries the session. */
  cookie: string;
}

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${path} answered ${status}: ${body.slice(0, 200)}`);
  }
}

export class TandemApi {
  constructor(readonly baseUrl: string) {}

  private async request<T>(method: string, path: string, cookie: string | undefined, body?: unknown): Promise<{ body: T; headers: Headers }> {
    const response = await fetch(this.baseUrl + path, {
      method,
      headers: {
        origin: this.baseUrl,
        ...(cookie ? { cookie } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new ApiError(method, path, response.status, text);
    return { body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
  }

  /**
   * Signs up a new user, then signs in (sign-up never does) and returns the session.
   * @throws ApiError when the server refuses (e.g. 429: raise AUTH_RATE_LIMIT_MAX).
   */
  async signUp(name: string): Promise<TandemUser> {
    const email = `bench-${randomUUID()}@example.test`;
    const password = "bench password 1234";
    await this.request("POST", "/api/auth/sign-up/email", undefined, { name, email, password });
    const { headers } = await this.request("POST", "/api/auth/sign-in/email", undefined, { email, password });
    const cookie = headers
      .getSetCookie()
      .map((c) => c.split(";")[0] ?? "")
      .filter((pair) => pair.includes("=") && !pair.endsWith("="))
      .join("; ");
    const me = await this.request<{ id: string }>("GET", "/api/users/me", cookie);
    return { id: me.body.id, name, email, cookie };
  }

  async createDocument(owner: TandemUser, title: string): Promise<string> {
    const { body } = await this.request<{ id: string }>("POST", "/api/documents", owner.cookie, { title });
    return body.id;
  }

  async addMember(owner: TandemUser, documentId: string, member: TandemUser): Promise<void> {
    await this.request("POST", `/api/documents/${documentId}/members`, owner.cookie, { email: member.email, role: "editor" });
  }
}
