import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { TLSSocket } from "node:tls";
import { nodeHeaders, requestOrigin } from "../api/origin";

export interface SecurityHeaderOptions {
  /** Development mode: React's dev build needs `eval` (`'unsafe-eval'`). */
  dev: boolean;
  publicUrl: string | undefined;
  trustProxy: boolean;
}

/**
 * JSON and event streams are never documents: nothing may load, run or embed them.
 * frame-ancestors is named too because it never falls back to default-src.
 */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** Browser features a text editor never uses, denied to the app and to anything it could embed. */
const DENIED_FEATURES = [
  "accelerometer",
  "autoplay",
  "camera",
  "display-capture",
  "encrypted-media",
  "geolocation",
  "gyroscope",
  "hid",
  "idle-detection",
  "magnetometer",
  "microphone",
  "midi",
  "payment",
  "screen-wake-lock",
  "serial",
  "usb",
  "xr-spatial-tracking",
];

/** The headers every response carries, whatever it is. */
const COMMON_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ["x-content-type-options", "nosniff"],
  // Stricter than the browsers' default (strict-origin-when-cross-origin): a link followed out
  // of a document tells the other site nothing, not even which host Tandem runs on. Not
  // `no-referrer`, which hides nothing more from other sites: under it Chromium sends
  // `Origin: null` on same-origin form posts, which the API's Origin check (CSRF) refuses.
  ["referrer-policy", "same-origin"],
  ["permissions-policy", DENIED_FEATURES.map((feature) => `${feature}=()`).join(", ")],
  // frame-ancestors' predecessor, for browsers that predate it.
  ["x-frame-options", "DENY"],
  ["cross-origin-opener-policy", "same-origin"],
];

/** A fresh CSP nonce: 128 random bits, base64 (the form Next.js parses out of the policy). */
export function createNonce(): string {
  return randomBytes(16).toString("base64");
}

/** A host (name, IPv4 or [IPv6], optional port) as the URL parser writes it: nothing that could end a CSP source or directive. */
const PLAIN_HOST = /^[a-z0-9.:[\]-]+$/i;

/**
 * The WebSocket origin (ws: / wss:) of an http(s) origin, or null when `origin` is not a plain
 * http(s) origin. The Host header it comes from is the client's to write, so it is parsed and
 * checked, never pasted: a `;` in it would start a directive of the client's choosing.
 */
export function socketOrigin(origin: string | null): string | null {
  if (!origin) return null;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return null; // A Host that is no host: the page gets 'self' alone.
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || !PLAIN_HOST.test(url.host)) return null;
  return `${url.protocol === "https:" ? "wss" : "ws"}://${url.host}`;
}

/**
 * The Content-Security-Policy of a page. Scripts run only with this response's nonce, or when a
 * nonced script loaded them ('strict-dynamic': Next.js adds its chunks at run time); 'self' is
 * the fallback of browsers that predate 'strict-dynamic', which ignore it otherwise.
 * `socketOrigin` is this host's ws:/wss: origin: the collaboration socket (/collab) and, in
 * development, Next.js's hot reload (/_next/) connect to it.
 */
export function pageContentSecurityPolicy(options: { nonce: string; dev: boolean; socketOrigin: string | null }): string {
  const scripts = ["'self'", `'nonce-${options.nonce}'`, "'strict-dynamic'", ...(options.dev ? ["'unsafe-eval'"] : [])];
  const connect = ["'self'", ...(options.socketOrigin ? [options.socketOrigin] : [])];
  return [
    "default-src 'self'",
    `script-src ${scripts.join(" ")}`,
    // React's style props and Tiptap/ProseMirror (caret colours, its injected editor styles)
    // write inline styles that carry no nonce; style attributes cannot carry one at all.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connect.join(" ")}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function isApiPath(url: string | undefined): boolean {
  const path = (url ?? "/").split("?", 1)[0] ?? "/";
  return path === "/api" || path.startsWith("/api/");
}

/**
 * Sets the security headers of one HTTP response; call it before routing, so that every
 * response (pages, the API, the event stream, errors) has them.
 *
 * A page request also gets its policy, with a fresh nonce, as its own `content-security-policy`
 * REQUEST header: Next.js reads the nonce from there (getScriptNonceFromHeaders in
 * next/dist/server/app-render) and puts it on every script it renders. Whatever the client sent
 * under that name is overwritten, so a client cannot choose the nonce.
 */
export function applySecurityHeaders(req: IncomingMessage, res: ServerResponse, options: SecurityHeaderOptions): void {
  for (const [name, value] of COMMON_HEADERS) res.setHeader(name, value);
  if (isApiPath(req.url)) {
    res.setHeader("content-security-policy", API_CONTENT_SECURITY_POLICY);
    return;
  }
  const origin = requestOrigin(nodeHeaders(req.headers), {
    publicUrl: options.publicUrl,
    trustProxy: options.trustProxy,
    encrypted: req.socket instanceof TLSSocket,
  });
  const policy = pageContentSecurityPolicy({ nonce: createNonce(), dev: options.dev, socketOrigin: socketOrigin(origin) });
  req.headers["content-security-policy"] = policy;
  res.setHeader("content-security-policy", policy);
}
