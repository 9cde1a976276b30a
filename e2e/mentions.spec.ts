import { randomUUID } from "node:crypto";
import type { Browser, Page, Request } from "@playwright/test";
import { documentItem, expect, test } from "./fixtures";
import { connectionStatus, createDocument, editor, focusEnd, participant, shareDocument, type Participant } from "./helpers";

/** The header's bell; its accessible name carries the unread count ("Notifications, 2 unread"). */
function bell(page: Page) {
  return page.getByRole("banner").getByRole("button", { name: /^Notifications/ });
}

/** Expects the bell to show `count` unread, in its name and on its badge. */
async function expectUnread(page: Page, count: number, timeout?: number): Promise<void> {
  await expect(bell(page)).toHaveAccessibleName(count > 0 ? `Notifications, ${count} unread` : "Notifications", { timeout });
  await expect(bell(page)).toHaveText(count > 0 ? String(count) : "", { timeout });
}

/** The live toast for a mention in `title`. */
function toast(page: Page, title: string) {
  return page.getByRole("status", { name: "New notifications" }).getByRole("group", { name: new RegExp(`mentioned you in ${title}$`) });
}

/** Whether the editor's own selection (Tiptap keeps its editor on the element, for tests) is a caret. */
function selectionIsEmpty(page: Page): Promise<boolean | undefined> {
  return editor(page).evaluate((element) => (element as HTMLElement & { editor?: { state: { selection: { empty: boolean } } } }).editor?.state.selection.empty);
}

/** Ada (owner) creates a document titled `title`, shares it with Bob as an editor, and stays on it. */
async function sharedDocument(browser: Browser, baseURL: string | undefined, title: string): Promise<{ ada: Participant; bob: Participant; path: string }> {
  const ada = await participant(browser, baseURL, "Ada");
  const bob = await participant(browser, baseURL, "Bob");
  const path = await createDocument(ada.page, title);
  await shareDocument(ada.page, bob.person.email, "editor");
  await expect(connectionStatus(ada.page)).toHaveText("Connected");
  return { ada, bob, path };
}

/**
 * In the open document: types "@" and the start of `name`, checks the autocomplete offers that
 * member, and picks them with the keyboard (ending with Enter, the moment the mention exists).
 */
async function mentionWithKeyboard(page: Page, name: string, before = "Could you check this, "): Promise<void> {
  await focusEnd(page);
  await page.keyboard.press("Enter");
  await page.keyboard.type(before);
  await page.keyboard.type(`@${name.slice(0, 5)}`);
  const suggestions = page.getByRole("listbox", { name: "Mention someone" });
  await expect(suggestions.getByRole("option", { name })).toBeVisible();
  // Down and back up: the arrow keys move the choice, which starts on the first match.
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowUp");
  await expect(suggestions.getByRole("option", { name })).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("Enter");
}

test("the document list shows who is in each document, live", async ({ browser, baseURL }, testInfo) => {
  const title = `Standup ${randomUUID().slice(0, 6)}`;
  const ada = await participant(browser, baseURL, "Ada");
  const bob = await participant(browser, baseURL, "Bob");
  const row = documentItem(bob.page, title);
  const adaHere = row.getByRole("list", { name: "Here now" }).getByRole("img", { name: `${ada.person.name} is here` });

  await test.step("Bob's list gains the document Ada shares with him, without a reload", async () => {
    await createDocument(ada.page, title);
    await shareDocument(ada.page, bob.person.email, "viewer");
    await expect(row).toBeVisible();
    await ada.page.getByRole("link", { name: "Back to Documents" }).click();
    await expect(documentItem(ada.page, title)).toBeVisible();
    await expect(adaHere).toHaveCount(0);
  });

  await test.step("Ada opens the document: her avatar appears on Bob's row", async () => {
    await documentItem(ada.page, title).getByRole("link", { name: title }).click();
    await expect(connectionStatus(ada.page)).toHaveText("Connected");
    await expect(adaHere).toBeVisible();
    await bob.page.screenshot({ path: testInfo.outputPath("01-bob-sees-ada-here.png") });
  });

  await test.step("Ada leaves: it goes", async () => {
    await ada.page.getByRole("link", { name: "Back to Documents" }).click();
    await expect(ada.page.getByRole("heading", { name: "Documents", level: 1 })).toBeVisible();
    await expect(adaHere).toHaveCount(0);
    await expect(row).toBeVisible();
  });

  await test.step("a rename shows at once, and losing access removes the row", async () => {
    await documentItem(ada.page, title).getByRole("link", { name: title }).click();
    await expect(adaHere).toBeVisible();
    const renamed = `${title} (v2)`;
    const heading = ada.page.getByRole("heading", { level: 1 }).getByRole("textbox");
    await heading.fill(renamed);
    await heading.press("Enter");
    await expect(documentItem(bob.page, renamed)).toBeVisible();
    await ada.page.getByRole("button", { name: "Share" }).click();
    await ada.page.getByRole("dialog").getByRole("button", { name: `Remove ${bob.person.name}` }).click();
    await expect(documentItem(bob.page, renamed)).toHaveCount(0);
    await expect(bob.page.getByRole("status").filter({ hasText: `You no longer have access to “${renamed}”.` })).toBeAttached();
  });

  await ada.context.close();
  await bob.context.close();
});

test("a mention reaches the other person at once and opens at the mention", async ({ browser, baseURL }, testInfo) => {
  const shot = (name: string) => testInfo.outputPath(`${name}.png`);
  const title = `Launch plan ${randomUUID().slice(0, 6)}`;
  const { ada, bob, path } = await sharedDocument(browser, baseURL, title);
  const a = ada.page;
  const b = bob.page;
  await b.reload();
  await expect(documentItem(b, title)).toBeVisible();
  await expectUnread(b, 0);

  await test.step("Ada writes enough that the mention is below the fold", async () => {
    await focusEnd(a);
    for (let i = 1; i <= 30; i++) await a.keyboard.type(`Line ${i}\n`);
  });

  await test.step("the autocomplete offers members only and closes with Escape", async () => {
    await a.keyboard.type("@");
    const suggestions = a.getByRole("listbox", { name: "Mention someone" });
    await expect(suggestions.getByRole("option", { name: bob.person.name })).toBeVisible();
    await expect(suggestions.getByRole("option")).toHaveCount(1);
    await a.screenshot({ path: shot("01-ada-suggestions") });
    await a.keyboard.type("zzz");
    await expect(suggestions.getByRole("option")).toHaveCount(0);
    await a.keyboard.press("Escape");
    await expect(suggestions).toBeHidden();
    for (let i = 0; i < 4; i++) await a.keyboard.press("Backspace");
  });

  let mentionId = "";
  await test.step("Ada picks Bob with the keyboard; Bob's badge and toast follow within a second", async () => {
    await mentionWithKeyboard(a, bob.person.name);
    const entered = Date.now();
    await expectUnread(b, 1, 1_000);
    await expect(toast(b, title)).toBeVisible({ timeout: 1_000 });
    testInfo.annotations.push({ type: "mention to badge and toast", description: `${Date.now() - entered} ms` });
    const chip = editor(a).locator('[data-type="mention"]');
    await expect(chip).toHaveText(`@${bob.person.name}`);
    mentionId = (await chip.getAttribute("data-mention-id")) ?? "";
    expect(mentionId).toMatch(/^[0-9a-f-]{36}$/);
    await b.screenshot({ path: shot("02-bob-toast") });
  });

  await test.step("the bell lists it, unread", async () => {
    await bell(b).click();
    const panel = b.getByRole("dialog", { name: "Notifications" });
    const item = panel.getByRole("link", { name: new RegExp(`${ada.person.name} mentioned you in ${title}`) });
    await expect(item).toBeVisible();
    await expect(item).toContainText("Could you check this,");
    await expect(item.getByText("Unread")).toBeAttached();
    await b.screenshot({ path: shot("03-bob-panel") });
    await b.keyboard.press("Escape");
    await expect(panel).toBeHidden();
    await expect(bell(b)).toBeFocused();
  });

  await test.step("Open in the toast goes to the mention, scrolled into view and highlighted, and marks it read", async () => {
    await toast(b, title).getByRole("button", { name: "Open" }).click();
    await expect(b).toHaveURL(`${path}#mention-${mentionId}`);
    const chip = editor(b).locator(`[data-mention-id="${mentionId}"]`);
    await expect(chip).toHaveClass(/\bmention-highlight\b/);
    await expect(chip).toBeInViewport();
    // The scroll is smooth: photograph where it ends, not a frame in between.
    await expect.poll(() => b.evaluate(() => new Promise<boolean>((resolve) => {
      const before = window.scrollY;
      setTimeout(() => resolve(window.scrollY === before), 200);
    }))).toBe(true);
    await b.screenshot({ path: shot("04-bob-at-mention") });
    await expectUnread(b, 0);
    await expect(toast(b, title)).toHaveCount(0);
  });

  await test.step("a copied and pasted mention keeps its id and notifies no one again", async () => {
    await ada.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(a.url()).origin });
    await focusEnd(a);
    await a.keyboard.press("ControlOrMeta+a");
    await a.keyboard.press("ControlOrMeta+c");
    // The browser writes the clipboard asynchronously: paste only once the copy is there.
    await expect.poll(() => a.evaluate(() => navigator.clipboard.readText())).toContain(`Could you check this, @${bob.person.name}`);
    await a.keyboard.press("ControlOrMeta+End");
    // The editor takes the caret from the browser's selectionchange; pasting before that would
    // replace the selected document instead of adding to it.
    await expect.poll(() => selectionIsEmpty(a)).toBe(true);
    await a.keyboard.press("ControlOrMeta+v");
    await expect(editor(a).locator(`[data-mention-id="${mentionId}"]`)).toHaveCount(2);
    await expect(editor(b).locator(`[data-mention-id="${mentionId}"]`)).toHaveCount(2);
    // Notifications arrive in commit order: once the later mention is listed, a duplicate would be too.
    await mentionWithKeyboard(a, bob.person.name, "Third: ");
    await expectUnread(b, 1);
    await bell(b).click();
    const items = b.getByRole("dialog", { name: "Notifications" }).getByRole("listitem");
    await expect(items.filter({ hasText: "Third:" })).toBeVisible();
    await expect(items).toHaveCount(2);
  });

  await ada.context.close();
  await bob.context.close();
});

test("eight tabs share one event stream, and it survives closing the tab that holds it", async ({ browser, baseURL }) => {
  const title = `Tabs ${randomUUID().slice(0, 6)}`;
  const { ada, bob } = await sharedDocument(browser, baseURL, title);

  // Every /api/events request of Bob's tabs, by page: the EventSource connections the server sees.
  const streams = new Map<Page, Request[]>();
  const watch = (page: Page) => {
    streams.set(page, []);
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/events") streams.get(page)?.push(request);
    });
  };
  const total = () => [...streams.values()].reduce((n, requests) => n + requests.length, 0);
  const leaders = () => [...streams].filter(([, requests]) => requests.length > 0).map(([page]) => page);

  const tabs: Page[] = [bob.page];
  await test.step("Bob opens eight tabs: one request to /api/events among them", async () => {
    watch(bob.page);
    await bob.page.reload();
    await expect(documentItem(bob.page, title)).toBeVisible();
    for (let i = 1; i < 8; i++) {
      const page = await bob.context.newPage();
      watch(page);
      await page.goto("/");
      await expect(documentItem(page, title)).toBeVisible();
      tabs.push(page);
    }
    for (const page of tabs) await expectUnread(page, 0);
    await expect.poll(total).toBe(1);
  });

  await test.step("a mention updates every tab's badge over that one connection", async () => {
    await mentionWithKeyboard(ada.page, bob.person.name, "First: ");
    for (const page of tabs) await expectUnread(page, 1);
    expect(total()).toBe(1);
  });

  await test.step("closing the tab that holds the stream hands it to another; a second mention reaches all seven", async () => {
    const [leader] = leaders();
    if (!leader) throw new Error("no tab requested /api/events");
    expect(leaders()).toHaveLength(1);
    await leader.close();
    streams.delete(leader);
    const remaining = tabs.filter((page) => page !== leader);
    // Exactly one of the others takes over and connects once.
    await expect.poll(total).toBe(1);
    expect(leaders()).toHaveLength(1);

    await mentionWithKeyboard(ada.page, bob.person.name, "Second: ");
    for (const page of remaining) await expectUnread(page, 2);
    expect(total()).toBe(1);
  });

  await ada.context.close();
  await bob.context.close();
});
