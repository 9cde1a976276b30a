import { randomUUID } from "node:crypto";
import { test as base, expect, type Page } from "@playwright/test";

/** The server e2e/global-setup.ts started. */
function tandemUrl(): string {
  const url = process.env.TANDEM_URL;
  if (!url) throw new Error("TANDEM_URL is not set: run the journeys with `npx playwright test`, whose global setup starts Tandem");
  return url;
}

export const test = base.extend({
  // Known only once global setup has started the server, hence a fixture rather than config.
  // `provide` rather than Playwright's usual `use`, which React's hook lint rule would claim.
  baseURL: async ({}, provide) => {
    await provide(tandemUrl());
  },
});

export { expect };

export interface Person {
  name: string;
  email: string;
  password: string;
}

/** A person with an email no earlier run used. */
export function newPerson(name: string): Person {
  const id = randomUUID().slice(0, 8);
  return { name: `${name} ${id}`, email: `${name.toLowerCase()}-${id}@example.test`, password: `pw-${randomUUID()}` };
}

/**
 * Signs up through the UI the way a newcomer does: the home page sends them to sign in, they
 * follow "Create an account", and land back home with their name in the header.
 */
export async function signUp(page: Page, person: Person): Promise<void> {
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
  await page.getByLabel("Name").fill(person.name);
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Password").fill(person.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Documents", level: 1 })).toBeVisible();
  await expect(page.getByRole("banner").getByText(person.name)).toBeVisible();
}

/** The home list's entry for the document titled exactly `title`. */
export function documentItem(page: Page, title: string) {
  return page
    .getByRole("list", { name: "Documents" })
    .getByRole("listitem")
    .filter({ has: page.getByRole("link", { name: title, exact: true }) });
}
