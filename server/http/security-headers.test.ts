import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { API_CONTENT_SECURITY_POLICY, applySecurityHeaders, pageContentSecurityPolicy, socketOrigin, type SecurityHeaderOptions } from "./security-headers";

const PRODUCTION: SecurityHeaderOptions = { dev: false, publicUrl: undefined, trustProxy: false };

/** A request as the HTTP server hands it over, and the response to it, unsent. */
function exchange(url: string, headers: Record<string, string> = {}): { req: IncomingMessage; res: ServerResponse } {
  const req = new IncomingMessage(new Socket());
  req.url = url;
  req.method = "GET";
  req.headers = { host: "docs.example.test:3000", ...headers };
  return { req, res: new ServerResponse(req) };
}

/** The response's Content-Security-Policy as directive name → sources. */
function directives(res: ServerResponse): Map<string, string[]> {
  const policy = res.getHeader("content-security-policy");
  if (typeof policy !== "string") throw new Error(`no Content-Security-Policy header: ${String(policy)}`);
  return new Map(
    policy.split(";").map((directive) => {
      const [name = "", ...sources] = directive.trim().split(/\s+/);
      return [name, sources];
    }),
  );
}

function pageDirectives(url = "/", options: SecurityHeaderOptions = PRODUCTION, headers: Record<string, string> = {}): Map<string, string[]> {
  const { req, res } = exchange(url, headers);
  applySecurityHeaders(req, res, options);
  return directives(res);
}

describe("pages", () => {
  it("get a fresh nonce per request, in script-src, with 'strict-dynamic' and no 'unsafe-inline'", () => {
    const first = pageDirectives("/d/1").get("script-src");
    const second = pageDirectives("/d/1").get("script-src");
    const nonces = [first, second].map((sources) => sources?.find((source) => source.startsWith("'nonce-")));
    expect(nonces[0]).toMatch(/^'nonce-[A-Za-z0-9+/]{22}=='$/);
    expect(nonces[1]).toMatch(/^'nonce-[A-Za-z0-9+/]{22}=='$/);
    expect(nonces[0]).not.toBe(nonces[1]);
    expect(first).toEqual(["'self'", nonces[0], "'strict-dynamic'"]);
    expect(first).not.toContain("'unsafe-inline'");
  });

  it("hand Next.js the response's policy as the request's content-security-policy header, replacing the client's", () => {
    const { req, res } = exchange("/sign-in", { "content-security-policy": "script-src 'nonce-chosenbytheclient'" });
    applySecurityHeaders(req, res, PRODUCTION);
    expect(req.headers["content-security-policy"]).toBe(res.getHeader("content-security-policy"));
    expect(req.headers["content-security-policy"]).not.toContain("chosenbytheclient");
  });

  it("may not be framed, by anyone", () => {
    expect(pageDirectives().get("frame-ancestors")).toEqual(["'none'"]);
  });

  it("load nothing from elsewhere: no plugins, no foreign base, forms post home", () => {
    const policy = pageDirectives();
    expect(policy.get("default-src")).toEqual(["'self'"]);
    expect(policy.get("object-src")).toEqual(["'none'"]);
    expect(policy.get("base-uri")).toEqual(["'self'"]);
    expect(policy.get("form-action")).toEqual(["'self'"]);
    expect(policy.get("style-src")).toEqual(["'self'", "'unsafe-inline'"]);
    expect(policy.get("img-src")).toEqual(["'self'", "data:", "blob:"]);
    expect(policy.get("font-src")).toEqual(["'self'", "data:"]);
  });

  it("may open WebSockets to their own host, taken from Host", () => {
    expect(pageDirectives().get("connect-src")).toEqual(["'self'", "ws://docs.example.test:3000"]);
  });

  it("use wss: behind a trusted TLS proxy, and PUBLIC_URL's host when it is set", () => {
    expect(pageDirectives("/", { ...PRODUCTION, trustProxy: true }, { "x-forwarded-proto": "https" }).get("connect-src")).toEqual(["'self'", "wss://docs.example.test:3000"]);
    expect(pageDirectives("/", { ...PRODUCTION, trustProxy: false }, { "x-forwarded-proto": "https" }).get("connect-src")).toEqual(["'self'", "ws://docs.example.test:3000"]);
    expect(pageDirectives("/", { ...PRODUCTION, publicUrl: "https://tandem.example.com" }).get("connect-src")).toEqual(["'self'", "wss://tandem.example.com"]);
  });

  it("allow 'unsafe-eval' in development only", () => {
    expect(pageDirectives("/", { ...PRODUCTION, dev: true }).get("script-src")).toContain("'unsafe-eval'");
    expect(pageDirectives("/", PRODUCTION).get("script-src")).not.toContain("'unsafe-eval'");
  });
});

describe("the API and the event stream", () => {
  it.each(["/api/documents", "/api/events", "/api/events?x=1", "/api"])("%s gets default-src 'none' and no nonce", (url) => {
    const { req, res } = exchange(url);
    applySecurityHeaders(req, res, PRODUCTION);
    expect(res.getHeader("content-security-policy")).toBe(API_CONTENT_SECURITY_POLICY);
    expect(directives(res).get("default-src")).toEqual(["'none'"]);
    expect(directives(res).get("frame-ancestors")).toEqual(["'none'"]);
    expect(req.headers["content-security-policy"]).toBeUndefined();
  });

  it("a page whose path only starts like the API's is a page", () => {
    expect(pageDirectives("/apidocs").get("default-src")).toEqual(["'self'"]);
  });
});

describe("every response", () => {
  it.each(["/", "/api/documents"])("%s: nosniff, referrer, permissions, framing and opener policies", (url) => {
    const { req, res } = exchange(url);
    applySecurityHeaders(req, res, PRODUCTION);
    expect(res.getHeader("x-content-type-options")).toBe("nosniff");
    expect(res.getHeader("referrer-policy")).toBe("same-origin");
    expect(res.getHeader("x-frame-options")).toBe("DENY");
    expect(res.getHeader("cross-origin-opener-policy")).toBe("same-origin");
    const permissions = String(res.getHeader("permissions-policy")).split(", ");
    for (const feature of ["camera", "microphone", "geolocation", "payment", "usb"]) expect(permissions).toContain(`${feature}=()`);
  });
});

describe("socketOrigin", () => {
  it("maps http to ws and https to wss, keeping host and port", () => {
    expect(socketOrigin("http://127.0.0.1:3000")).toBe("ws://127.0.0.1:3000");
    expect(socketOrigin("https://docs.example.com")).toBe("wss://docs.example.com");
  });

  it("refuses what is not an http(s) origin, so a forged Host cannot add directives", () => {
    expect(socketOrigin(null)).toBeNull();
    expect(socketOrigin("http://evil.test; script-src *")).toBeNull();
    expect(socketOrigin("http://evil.test;frame-ancestors")).toBeNull();
    expect(socketOrigin("javascript://x")).toBeNull();
    expect(socketOrigin("http://[::1]:3000")).toBe("ws://[::1]:3000");
  });

  it("a page whose Host is no plain host may connect to 'self' alone", () => {
    const policy = pageDirectives("/", PRODUCTION, { host: "evil.test;frame-ancestors" });
    expect(policy.get("connect-src")).toEqual(["'self'"]);
    expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
    expect(pageContentSecurityPolicy({ nonce: "n", dev: false, socketOrigin: null })).toContain("connect-src 'self';");
  });
});
