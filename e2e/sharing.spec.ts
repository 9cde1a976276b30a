import { randomUUID } from "node:crypto";
import { documentItem, expect, newPerson, signUp, test } from "./fixtures";

test("an owner shares a document with a viewer, renames it and deletes it", async ({ browser, baseURL }, testInfo) => {
  const shot = (name: string) => testInfo.outputPath(`${name}.png`);
  const run = randomUUID().slice(0, 6);
  const firstTitle = `Launch plan ${run}`;
  const secondTitle = `Q3 roadmap ${run}`;
  const ada = newPerson("Ada");
  const bob = newPerson("Bob");

  const adaContext = await browser.newContext({ baseURL });
  const bobContext = await browser.newContext({ baseURL });
  const a = await adaContext.newPage();
  const b = await bobContext.newPage();
  let documentPath = "";

  await test.step("both sign up", async () => {
    await signUp(a, ada);
    await signUp(b, bob);
    await expect(b.getByRole("heading", { name: "No documents yet" })).toBeVisible();
    await b.screenshot({ path: shot("01-bob-empty-home"), fullPage: true });
  });

  await test.step("Ada creates a document and names it", async () => {
    await a.getByRole("button", { name: "New document" }).click();
    await expect(a).toHaveURL(/\/d\/[0-9a-f-]{36}$/);
    documentPath = new URL(a.url()).pathname;
    const title = a.getByRole("textbox", { name: "Document title" });
    await expect(title).toHaveValue("Untitled");
    await title.fill(firstTitle);
    await title.press("Enter");
    await expect(a.getByRole("status").filter({ hasText: "Saved" })).toBeVisible();
  });

  await test.step("Ada shares it with Bob as a viewer", async () => {
    const shareButton = a.getByRole("button", { name: "Share" });
    await shareButton.click();
    const dialog = a.getByRole("dialog", { name: `Share “${firstTitle}”` });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel("Email")).toBeFocused();

    // An address nobody signed up with is refused with the server's explanation.
    await dialog.getByLabel("Email").fill(`nobody-${run}@example.test`);
    await dialog.getByRole("button", { name: "Add" }).click();
    await expect(dialog.getByRole("alert")).toContainText("No account uses");

    await dialog.getByLabel("Email").fill(bob.email);
    await dialog.getByLabel("Role").selectOption("viewer");
    await dialog.getByRole("button", { name: "Add" }).click();
    const people = dialog.getByRole("list", { name: "People with access" });
    await expect(people.getByRole("listitem").filter({ hasText: bob.name })).toBeVisible();
    await expect(people.getByRole("combobox", { name: `Access for ${bob.name}` })).toHaveValue("viewer");

    // Sharing twice is a conflict, shown as such.
    await dialog.getByLabel("Email").fill(bob.email);
    await dialog.getByRole("button", { name: "Add" }).click();
    await expect(dialog.getByRole("alert")).toContainText("already a member");
    await a.screenshot({ path: shot("02-ada-share-dialog") });

    await a.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(shareButton).toBeFocused();
    await expect(a.getByRole("list", { name: "Members" }).getByRole("img")).toHaveCount(2);
  });

  await test.step("Bob sees it as a viewer and cannot rename it", async () => {
    await b.reload();
    const item = documentItem(b, firstTitle);
    await expect(item).toBeVisible();
    await expect(item.getByText("viewer", { exact: true })).toBeVisible();
    await expect(item.getByText(`Owned by ${ada.name}`)).toBeVisible();
    await expect(item.getByRole("button", { name: "Rename" })).toHaveCount(0);
    await expect(item.getByRole("button", { name: "Delete" })).toHaveCount(0);
    await b.screenshot({ path: shot("03-bob-home-viewer"), fullPage: true });

    await item.getByRole("link", { name: firstTitle }).click();
    await expect(b.getByRole("heading", { name: firstTitle, level: 1 })).toBeVisible();
    await expect(b.getByRole("textbox", { name: "Document title" })).toHaveCount(0);
    await expect(b.getByText("Read only")).toBeVisible();
    await b.screenshot({ path: shot("04-bob-document-read-only"), fullPage: true });

    await b.getByRole("button", { name: "Share" }).click();
    const dialog = b.getByRole("dialog", { name: `Share “${firstTitle}”` });
    await expect(dialog.getByText("Only owners can change who has access.")).toBeVisible();
    await expect(dialog.getByLabel("Email")).toHaveCount(0);
    await expect(dialog.getByRole("combobox")).toHaveCount(0);
    await dialog.getByRole("button", { name: "Done" }).click();
    await expect(dialog).toBeHidden();
  });

  await test.step("Ada renames it from the list; Bob sees the new title after a reload", async () => {
    await a.getByRole("link", { name: "Back to Documents" }).click();
    const item = documentItem(a, firstTitle);
    await expect(item.getByText("owner", { exact: true })).toBeVisible();
    await item.getByRole("button", { name: "Rename" }).click();
    const input = a.getByRole("textbox", { name: "Document title" });
    await expect(input).toBeFocused();
    await input.fill(secondTitle);
    await input.press("Enter");
    await expect(documentItem(a, secondTitle)).toBeVisible();
    await expect(documentItem(a, firstTitle)).toHaveCount(0);
    await a.screenshot({ path: shot("05-ada-home-renamed"), fullPage: true });

    await b.reload();
    await expect(b.getByRole("heading", { name: secondTitle, level: 1 })).toBeVisible();
    await b.goto("/");
    await expect(documentItem(b, secondTitle)).toBeVisible();
  });

  await test.step("Ada deletes it; it is gone from Bob's list", async () => {
    const item = documentItem(a, secondTitle);
    await item.getByRole("button", { name: "Delete" }).click();
    const confirm = a.getByRole("dialog", { name: `Delete “${secondTitle}”?` });
    await expect(confirm).toBeVisible();
    await a.screenshot({ path: shot("06-ada-confirm-delete") });
    await confirm.getByRole("button", { name: "Delete" }).click();
    await expect(confirm).toBeHidden();
    await expect(documentItem(a, secondTitle)).toHaveCount(0);

    await b.reload();
    await expect(b.getByRole("heading", { name: "No documents yet" })).toBeVisible();
    await expect(documentItem(b, secondTitle)).toHaveCount(0);

    await b.goto(documentPath);
    await expect(b.getByRole("heading", { name: "Document not found" })).toBeVisible();
    await b.screenshot({ path: shot("07-bob-document-not-found") });
  });

  await adaContext.close();
  await bobContext.close();
});
