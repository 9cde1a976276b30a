import { randomUUID } from "node:crypto";

export interface Reply<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** What the API answers on failure. */
export interface ErrorBody {
  error: { code: string; message: string };
}

let counter = 0;

/** A unique sign-up for a test user. */
export function buildUser(overrides: Partial<{ name: string; email: string; password: string }> = {}) {
  counter += 1;
  const id = `${Date.now().toString(36)}${counter}${randomUUID().slice(0, 6)}`;
  return { name: `User ${id}`, email: `user-${id}@example.test`, password: "correct horse battery", ...overrides };
}

/**
 * A browser-like API client: keeps the session cookie and sends the app's Origin on every
 * request, as a page of the app would.
 */
export class TestClient {
  private cookies = new Map<string, string>();
  user: { id: string; name: string; email: string; color: string } | undefined;

  constructor(
    readonly baseUrl: string,
    private readonly origin: string | null = baseUrl,
  ) {}

  /** Signs up a new user, then signs in as them (sign-up never signs in). */
  static async signUp(baseUrl: string, overrides: Parameters<typeof buildUser>[0] = {}): Promise<TestClient> {
    const client = new TestClient(baseUrl);
    const user = buildUser(overrides);
    const reply = await client.request("POST", "/api/auth/sign-up/email", user);
    if (reply.status !== 200) throw new Error(`sign-up failed: ${reply.status} ${JSON.stringify(reply.body)}`);
    const signIn = await client.request("POST", "/api/auth/sign-in/email", { email: user.email, password: user.password });
    if (signIn.status !== 200) throw new Error(`sign-in after sign-up failed: ${signIn.status} ${JSON.stringify(signIn.body)}`);
    const me = await client.request<{ id: string; name: string; email: string; color: string }>("GET", "/api/users/me");
    client.user = me.body;
    return client;
  }

  /** The same browser (same cookies, so the same session) talking to another instance at `baseUrl`. */
  at(baseUrl: string): TestClient {
    const other = new TestClient(baseUrl);
    for (const [name, value] of this.cookies) other.cookies.set(name, value);
    other.user = this.user;
    return other;
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const init: RequestInit = {
      method,
      headers: {
        ...(this.origin ? { origin: this.origin } : {}),
        ...(this.cookies.size > 0 ? { cookie: this.cookieHeader } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    };
    const response = await fetch(this.baseUrl + path, init);
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (!pair || eq < 0) continue;
      const value = pair.slice(eq + 1);
      if (value === "" || /max-age=0/i.test(cookie)) this.cookies.delete(pair.slice(0, eq));
      else this.cookies.set(pair.slice(0, eq), value);
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: the test sees the raw text.
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }
}
