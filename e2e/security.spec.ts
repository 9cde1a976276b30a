import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page, Response } from "@playwright/test";
import { expect, newPerson, signUp, test } from "./fixtures";
import { connectionStatus, createDocument, documentText, editor, focusEnd } from "./helpers";

/** What Chromium reports when a policy (CSP, Permissions-Policy, framing) refuses or rejects something. */
const POLICY_PROBLEM = /Content Security Policy|Refused to|Permissions[- ]Policy|X-Frame-Options/i;

/** Every console message of `page` about a security policy, and every uncaught page error. */
function watchForPolicyProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (POLICY_PROBLEM.test(message.text())) problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  return problems;
}

/** The nonce of the response's script-src, checked to be the only way scripts may run. */
function scriptNonce(response: Response): string {
  const policy = response.headers()["content-security-policy"] ?? "";
  const scriptSrc = policy.split(/;\s*/).find((directive) => directive.startsWith("script-src "));
  expect(scriptSrc, `script-src in ${JSON.stringify(policy)}`).toMatch(/^script-src 'self' 'nonce-[A-Za-z0-9+/]+={0,2}' 'strict-dynamic'$/);
  expect(policy).toContain("frame-ancestors 'none'");
  const nonce = /'nonce-([^']+)'/.exec(scriptSrc ?? "")?.[1];
  if (!nonce) throw new Error(`no nonce in ${policy}`);
  return nonce;
}

/**
 * Loads `path` as a document (not a client-side navigation) and checks that Next.js rendered
 * every one of its scripts with the nonce of this response's policy.
 */
async function loadWithNonce(page: Page, path: string): Promise<string> {
  const response = await page.goto(path);
  if (!response) throw new Error(`no response for ${path}`);
  const nonce = scriptNonce(response);
  const scripts = (await response.text()).match(/<script\b[^>]*>/g) ?? [];
  expect(scripts.length, "scripts in the HTML").toBeGreaterThan(0);
  for (const script of scripts) expect(script).toContain(`nonce="${nonce}"`);
  return nonce;
}

/** A page on another origin (its own server on a free port) that embeds `target` in an iframe. */
async function serveEmbedder(target: string): Promise<{ url: string; close: () => Promise<void> }> {
  const html = `<!doctype html><title>Elsewhere</title><h1>Another site</h1>
<iframe title="Embedded Tandem" src="${target}" width="800" height="600"
  onload="document.body.dataset.frameLoaded = 'yes'"></iframe>`;
  const server: Server = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

test("pages run under a nonce-based Content-Security-Policy with no violation, and the editor works", async ({ browser, baseURL }, testInfo) => {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const problems = watchForPolicyProblems(page);
  const person = newPerson("Ada");

  await test.step("the sign-in page", async () => {
    const first = await loadWithNonce(page, "/sign-in");
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
    // A fresh nonce per response.
    expect(await loadWithNonce(page, "/sign-in")).not.toBe(first);
    expect(problems).toEqual([]);
  });

  await test.step("the document list", async () => {
    await signUp(page, person);
    await loadWithNonce(page, "/");
    await expect(page.getByRole("heading", { name: "Documents", level: 1 })).toBeVisible();
    expect(problems).toEqual([]);
  });

  await test.step("a document: it connects, and typed text appears", async () => {
    const path = await createDocument(page, `Policy ${randomUUID().slice(0, 6)}`);
    await loadWithNonce(page, path);
    await expect(connectionStatus(page)).toHaveText("Connected");
    await focusEnd(page);
    await page.keyboard.type("Written under a strict policy.");
    await expect.poll(() => documentText(page)).toBe("Written under a strict policy.");
    await expect(editor(page)).toContainText("Written under a strict policy.");
    await page.screenshot({ path: testInfo.outputPath("document-under-csp.png") });
    expect(problems).toEqual([]);
  });

  await context.close();
});

test("a page on another origin cannot show Tandem in a frame", async ({ page, baseURL }) => {
  const target = `${baseURL}/sign-in`;
  const embedder = await serveEmbedder(target);
  try {
    const framed = page.waitForResponse((response) => response.url() === target);
    await page.goto(embedder.url);
    await expect(page.getByRole("heading", { name: "Another site" })).toBeVisible();
    // Tandem did answer the frame's request, with a policy that forbids any embedding...
    expect((await framed).headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
    // ...so once the frame has settled, what it holds is not Tandem.
    await expect(page.locator("body")).toHaveAttribute("data-frame-loaded", "yes");
    await expect(page.frameLocator("iframe").getByRole("heading", { name: "Sign in" })).toHaveCount(0);
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
    if (!frame) throw new Error("the iframe has no frame");
    // Chromium shows its own error page in the frame instead.
    expect(frame.url()).not.toBe(target);
  } finally {
    await embedder.close();
  }
});
