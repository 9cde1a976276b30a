import { randomUUID } from "node:crypto";
import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { connectionStatus, createDocument, documentText, editor, focusEnd, participant, pendingChanges, setNetwork, shareDocument, type Participant } from "./helpers";

/** Ada (owner) creates a document and shares it with Bob (as `role`); both have it open and connected. */
async function openTogether(browser: Browser, baseURL: string | undefined, role: "editor" | "viewer"): Promise<{ ada: Participant; bob: Participant; path: string }> {
  const ada = await participant(browser, baseURL, "Ada");
  const bob = await participant(browser, baseURL, "Bob");
  const path = await createDocument(ada.page, `Notes ${randomUUID().slice(0, 6)}`);
  await shareDocument(ada.page, bob.person.email, role);
  await bob.page.goto(path);
  for (const { page } of [ada, bob]) {
    await expect(connectionStatus(page)).toHaveText("Connected");
    await expect(editor(page)).toBeVisible();
  }
  return { ada, bob, path };
}

/** Both pages' document text if they agree, else a description of the difference (for the failure message). */
async function sameText(a: Page, b: Page): Promise<string> {
  const [textA, textB] = await Promise.all([documentText(a), documentText(b)]);
  return textA === textB ? textA : `differs: ${JSON.stringify(textA)} vs ${JSON.stringify(textB)}`;
}

/**
 * Takes someone offline once the server has stored everything they wrote: until then they
 * would see "N changes saved on this device". Retried, online in between, while the
 * acknowledgement is on its way.
 */
async function goOfflineWithNothingPending({ context, page }: Participant): Promise<void> {
  await expect(async () => {
    await setNetwork(context, true);
    await expect(connectionStatus(page)).toHaveText("Connected");
    await setNetwork(context, false);
    await expect(connectionStatus(page)).toHaveText("Offline");
    await expect(pendingChanges(page)).toHaveCount(0, { timeout: 500 });
  }).toPass({ timeout: 15_000 });
}

test("an owner and an editor write the same paragraph at once and see each other", async ({ browser, baseURL }, testInfo) => {
  const shot = (name: string) => testInfo.outputPath(`${name}.png`);
  const { ada, bob, path } = await openTogether(browser, baseURL, "editor");
  const a = ada.page;
  const b = bob.page;

  await test.step("each sees the other in the header", async () => {
    await expect(b.getByRole("list", { name: "Members" }).getByRole("img", { name: `${ada.person.name} (owner), here now` })).toBeVisible();
    await expect(a.getByRole("list", { name: "Members" }).getByRole("img", { name: `${bob.person.name} (editor), here now` })).toBeVisible();
  });

  await test.step("Ada starts a paragraph, Bob sees it with Ada's caret and name", async () => {
    await expect(editor(a)).toHaveAttribute("contenteditable", "true");
    await focusEnd(a);
    await a.keyboard.type("Shared paragraph: ");
    await expect.poll(() => documentText(b)).toBe("Shared paragraph: ");
    await expect(editor(b).getByText(ada.person.name, { exact: true })).toBeVisible();
  });

  await test.step("both type into it at the same time and end with the same text", async () => {
    await focusEnd(b);
    await focusEnd(a);
    await Promise.all([a.keyboard.type("ada was here. "), b.keyboard.type("bob too. ")]);
    await expect.poll(() => sameText(a, b)).toMatch(/^Shared paragraph: (ada was here\. bob too\. |bob too\. ada was here\. )$/);
    await expect(editor(a).getByText(bob.person.name, { exact: true })).toBeVisible();
  });

  await test.step("formatting from the toolbar reaches the other side", async () => {
    await focusEnd(a);
    await a.keyboard.press("Enter");
    const bold = a.getByRole("toolbar", { name: "Formatting" }).getByRole("button", { name: "Bold" });
    await bold.click();
    await expect(bold).toHaveAttribute("aria-pressed", "true");
    await a.keyboard.type("Decisions");
    await expect(editor(b).locator("strong")).toHaveText("Decisions");
    await focusEnd(b);
    await b.keyboard.press("Enter");
    await b.getByRole("toolbar", { name: "Formatting" }).getByRole("button", { name: "Task list" }).click();
    await b.keyboard.type("Write the launch post");
    await expect(editor(a).getByRole("checkbox")).toHaveCount(1);
    // All of it, before Ada moves her cursor: a remote change landing just as it moves can put it back.
    await expect.poll(() => documentText(a)).toContain("Write the launch post");
  });

  await test.step("a link added with Mod+K reaches the other side; unsafe addresses are refused", async () => {
    await focusEnd(a);
    await a.keyboard.press("Enter");
    await a.keyboard.type("Details: ");
    await a.keyboard.press("ControlOrMeta+k");
    const popover = a.getByRole("dialog", { name: "Add link" });
    const address = popover.getByRole("textbox", { name: "Link address" });
    await expect(address).toBeFocused();
    await address.fill("javascript:alert(1)");
    await address.press("Enter");
    await expect(popover.getByRole("alert")).toHaveText("Enter a web address (https://…) or an email address.");
    await a.screenshot({ path: shot("05-ada-link-popover") });
    await address.fill("example.com/launch");
    await address.press("Enter");
    await expect(popover).toBeHidden();
    await expect(editor(b).getByRole("link", { name: "example.com/launch" })).toHaveAttribute("href", "https://example.com/launch");
  });

  await test.step("screenshots, light and dark", async () => {
    await a.screenshot({ path: shot("01-ada-light") });
    await b.screenshot({ path: shot("02-bob-light") });
    await a.emulateMedia({ colorScheme: "dark" });
    await b.emulateMedia({ colorScheme: "dark" });
    await a.screenshot({ path: shot("03-ada-dark") });
    await b.screenshot({ path: shot("04-bob-dark") });
  });

  await test.step("a reload shows the same content", async () => {
    const before = await documentText(a);
    await expect.poll(() => documentText(b)).toBe(before);
    await a.reload();
    await expect(connectionStatus(a)).toHaveText("Connected");
    await expect.poll(() => documentText(a)).toBe(before);
    // And from the server alone, without this browser's local copy.
    const fresh = await browser.newContext({ baseURL, storageState: await ada.context.storageState() });
    const page = await fresh.newPage();
    await page.goto(path);
    await expect(connectionStatus(page)).toHaveText("Connected");
    await expect.poll(() => documentText(page)).toBe(before);
    await fresh.close();
  });

  await ada.context.close();
  await bob.context.close();
});

test("an editor's offline changes are kept on the device and sync when back online", async ({ browser, baseURL }, testInfo) => {
  const { ada, bob } = await openTogether(browser, baseURL, "editor");
  const a = ada.page;
  const b = bob.page;
  await focusEnd(a);
  await a.keyboard.type("Agenda.");
  await expect.poll(() => documentText(b)).toBe("Agenda.");
  await focusEnd(b);
  await b.keyboard.type(" Bob online.");
  await expect.poll(() => documentText(a)).toBe("Agenda. Bob online.");

  await test.step("Bob goes offline and types: Offline, with his changes counted", async () => {
    await goOfflineWithNothingPending(bob);
    await b.keyboard.type(" Bob offline.");
    await expect(pendingChanges(b)).toHaveText("13 changes saved on this device");
    await b.screenshot({ path: testInfo.outputPath("bob-offline.png") });
    // Ada keeps writing meanwhile; she does not see Bob's words yet.
    await focusEnd(a);
    await a.keyboard.type(" Ada meanwhile.");
    await expect.poll(() => documentText(a)).toBe("Agenda. Bob online. Ada meanwhile.");
  });

  await test.step("back online, both converge and the note disappears", async () => {
    await setNetwork(bob.context, true);
    await expect(connectionStatus(b)).toHaveText("Connected");
    await expect(pendingChanges(b)).toBeHidden();
    await expect.poll(() => sameText(a, b)).toMatch(/^Agenda\. Bob online\.( Ada meanwhile\.)?( Bob offline\.)?( Ada meanwhile\.)?$/);
    const text = await documentText(a);
    expect(text).toContain(" Bob offline.");
    expect(text).toContain(" Ada meanwhile.");
    // The server acknowledged storing it: nothing is left only on Bob's device.
    await goOfflineWithNothingPending(bob);
  });

  await ada.context.close();
  await bob.context.close();
});

test("changes typed offline survive a reload and reach the others", async ({ browser, baseURL }) => {
  const { ada, bob, path } = await openTogether(browser, baseURL, "editor");
  const a = ada.page;
  const b = bob.page;

  await setNetwork(bob.context, false);
  await expect(connectionStatus(b)).toHaveText("Offline");
  await focusEnd(b);
  await b.keyboard.type("Typed on a train.");
  // 17 characters, the paragraph and its text node. Counted once IndexedDB has committed them,
  // so all of it is on the device now.
  await expect(pendingChanges(b)).toHaveText("19 changes saved on this device");

  // Without a network the page itself cannot load (Tandem has no service worker); the edits
  // are in this browser's IndexedDB, not on the server.
  await expect(b.reload()).rejects.toThrow(/ERR_INTERNET_DISCONNECTED/);
  expect(await documentText(a)).toBe("");

  await setNetwork(bob.context, true);
  await b.goto(path);
  await expect(connectionStatus(b)).toHaveText("Connected");
  await expect.poll(() => documentText(a)).toBe("Typed on a train.");
  await expect.poll(() => documentText(b)).toBe("Typed on a train.");
  await expect(pendingChanges(b)).toBeHidden();
  await goOfflineWithNothingPending(bob);

  await ada.context.close();
  await bob.context.close();
});

test("a viewer reads along but cannot change the document", async ({ browser, baseURL }, testInfo) => {
  const { ada, bob } = await openTogether(browser, baseURL, "viewer");
  const a = ada.page;
  const b = bob.page;

  await focusEnd(a);
  await a.keyboard.type("Only the owner writes here.");
  await expect.poll(() => documentText(b)).toBe("Only the owner writes here.");

  await expect(b.getByText("Read only")).toBeVisible();
  await expect(editor(b)).toHaveAttribute("contenteditable", "false");
  await expect(b.getByRole("toolbar", { name: "Formatting" })).toHaveCount(0);
  await editor(b).click();
  await b.keyboard.type("viewer scribbles");
  await b.keyboard.press("Enter");
  await b.keyboard.press("Backspace");

  // Ada's next words arrive at Bob's, Bob's never reach anyone.
  await a.keyboard.type(" Still.");
  await expect.poll(() => documentText(b)).toBe("Only the owner writes here. Still.");
  await expect.poll(() => documentText(a)).toBe("Only the owner writes here. Still.");
  await b.screenshot({ path: testInfo.outputPath("bob-viewer.png") });

  await ada.context.close();
  await bob.context.close();
});

test("someone whose access is removed is told so, and syncing stops", async ({ browser, baseURL }, testInfo) => {
  const { ada, bob } = await openTogether(browser, baseURL, "editor");
  const a = ada.page;
  const b = bob.page;
  await focusEnd(b);
  await b.keyboard.type("Bob's draft.");
  await expect.poll(() => documentText(a)).toBe("Bob's draft.");

  await a.getByRole("button", { name: "Share" }).click();
  const dialog = a.getByRole("dialog");
  await dialog.getByRole("button", { name: `Remove ${bob.person.name}` }).click();
  await expect(dialog.getByRole("status")).toContainText(`Removed ${bob.person.name}`);

  await expect(b.getByRole("alert").filter({ hasText: "Your access to this document was removed" })).toBeVisible();
  await expect(connectionStatus(b)).toHaveText("Disconnected");
  await expect(editor(b)).toHaveAttribute("contenteditable", "false");
  await expect(b.getByRole("toolbar", { name: "Formatting" })).toHaveCount(0);
  await b.screenshot({ path: testInfo.outputPath("bob-removed.png") });

  await ada.context.close();
  await bob.context.close();
});
