import type { Browser, BrowserContext, Locator, Page } from "@playwright/test";
import { expect, newPerson, signUp, type Person } from "./fixtures";

/** Someone signed up in a browser context of their own. */
export interface Participant {
  person: Person;
  context: BrowserContext;
  page: Page;
}

const networks = new WeakMap<BrowserContext, { offline: boolean }>();

/**
 * Makes a context's /collab sockets follow its network state. Playwright's offline mode leaves
 * WebSockets working (microsoft/playwright#4910): a page could still connect while "offline".
 * Routed from before the first page loads, so that every document's sockets are covered.
 */
async function routeCollabSockets(context: BrowserContext): Promise<void> {
  const network = { offline: false };
  networks.set(context, network);
  await context.routeWebSocket(/\/collab\//, (ws) => {
    if (network.offline) void ws.close();
    else ws.connectToServer();
  });
}

/** Takes a participant's browser context off the network or back on, WebSockets included. */
export async function setNetwork(context: BrowserContext, online: boolean): Promise<void> {
  const network = networks.get(context);
  if (!network) throw new Error("setNetwork needs a context made by participant()");
  network.offline = !online;
  await context.setOffline(!online);
}

/** A fresh browser context (own cookies, own IndexedDB) in which `name` signs up. */
export async function participant(browser: Browser, baseURL: string | undefined, name: string): Promise<Participant> {
  const person = newPerson(name);
  const context = await browser.newContext({ baseURL });
  await routeCollabSockets(context);
  const page = await context.newPage();
  await signUp(page, person);
  return { person, context, page };
}

/** From the home page: creates a document, names it `title`, and returns its path ("/d/<id>"). */
export async function createDocument(page: Page, title: string): Promise<string> {
  await page.getByRole("button", { name: "New document" }).click();
  await expect(page).toHaveURL(/\/d\/[0-9a-f-]{36}$/);
  const input = page.getByRole("textbox", { name: "Document title" });
  await expect(input).toHaveValue("Untitled");
  await input.fill(title);
  await input.press("Enter");
  await expect(page.getByRole("heading", { level: 1 }).getByRole("textbox")).toHaveValue(title);
  return new URL(page.url()).pathname;
}

/** On an open document: shares it with the person who signed up as `email`, then closes the dialog. */
export async function shareDocument(page: Page, email: string, role: "editor" | "viewer"): Promise<void> {
  await page.getByRole("button", { name: "Share" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Email").fill(email);
  await dialog.getByLabel("Role").selectOption(role);
  await dialog.getByRole("button", { name: "Add" }).click();
  await expect(dialog.getByRole("status")).toContainText("Added");
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();
}

/** The document's rich-text editor. */
export function editor(page: Page): Locator {
  return page.getByRole("textbox", { name: "Document content" });
}

/** The connection state shown under the title ("Connected", "Connecting…", "Offline"). */
export function connectionStatus(page: Page): Locator {
  return page.getByRole("status").filter({ hasText: /^(Connected|Connecting…|Offline|Disconnected)$/ });
}

/** The "N changes saved on this device" note. */
export function pendingChanges(page: Page): Locator {
  return page.getByText(/^\d[\d,]* changes? saved on this device$/);
}

/**
 * The editor's text without other people's caret labels (which sit inside the text as
 * decorations): what the document says, one line per top-level block.
 */
export async function documentText(page: Page): Promise<string> {
  return editor(page).evaluate((element) => {
    const copy = element.cloneNode(true) as HTMLElement;
    for (const caret of copy.querySelectorAll(".collaboration-carets__caret")) caret.remove();
    return [...copy.children].map((block) => (block.textContent ?? "").replace(/\u00a0/g, " ")).join("\n");
  });
}

/** Places the text cursor at the very end of the document. */
export async function focusEnd(page: Page): Promise<void> {
  await editor(page).click();
  await page.keyboard.press("ControlOrMeta+End");
}
