import { randomUUID } from "node:crypto";
import { expect, test } from "./fixtures";
import { connectionStatus, createDocument, documentText, editor, focusEnd, participant, shareDocument } from "./helpers";

test("signing out in one tab ends co-editing in the others, with a notice; the coworker carries on", async ({ browser, baseURL }, testInfo) => {
  const ada = await participant(browser, baseURL, "Ada");
  const bob = await participant(browser, baseURL, "Bob");
  const path = await createDocument(ada.page, `Session ${randomUUID().slice(0, 6)}`);
  await shareDocument(ada.page, bob.person.email, "editor");
  await bob.page.goto(path);
  for (const page of [ada.page, bob.page]) await expect(connectionStatus(page)).toHaveText("Connected");
  await focusEnd(ada.page);
  await ada.page.keyboard.type("Ada was here.");
  await expect.poll(() => documentText(bob.page)).toBe("Ada was here.");

  // Ada signs out from another tab of the same browser (same session).
  const list = await ada.context.newPage();
  await list.goto("/");
  await list.getByRole("button", { name: "Sign out" }).click();
  await expect(list).toHaveURL(/\/sign-in/);

  const notice = ada.page.getByRole("alert").filter({ hasText: "Signed out — sign in again" });
  await expect(notice).toBeVisible({ timeout: 5_000 });
  await expect(connectionStatus(ada.page)).toHaveText("Disconnected");
  await ada.page.screenshot({ path: testInfo.outputPath("ada-signed-out.png") });

  // Bob was not signed out: he keeps editing.
  await focusEnd(bob.page);
  await bob.page.keyboard.type(" Bob too.");
  await expect(editor(bob.page)).toContainText("Ada was here. Bob too.");
  await expect(connectionStatus(bob.page)).toHaveText("Connected");

  await ada.context.close();
  await bob.context.close();
});
