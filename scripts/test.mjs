#!/usr/bin/env node
// `npm test`: every check, in order of cost — typecheck, lint, unit and integration tests
// (Vitest, real PostgreSQL), then the Playwright journeys against the production build in
// real Chromium. Stops at the first failing stage and exits non-zero.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);

function findChromium() {
  if (process.env.CHROMIUM_PATH) return existsSync(process.env.CHROMIUM_PATH) ? process.env.CHROMIUM_PATH : null;
  for (const candidate of ["/usr/bin/chromium", "/usr/bin/chromium-browser"]) if (existsSync(candidate)) return candidate;
  return "playwright";
}

const chromium = findChromium();
if (!chromium) {
  console.error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist. Point it at a Chromium binary, or unset it.`);
  process.exit(1);
}

const stages = [
  ["typecheck", bin("tsc"), ["--noEmit", "-p", "tsconfig.json"]],
  ["lint", bin("eslint"), ["--max-warnings=0", "."]],
  ["unit and integration tests", bin("vitest"), ["run"]],
  ["end-to-end tests", bin("playwright"), ["test"]],
];

const only = process.argv.slice(2);
const summary = [];
for (const [name, command, args] of stages) {
  if (only.length > 0 && !only.some((o) => name.startsWith(o))) continue;
  console.log(`\n▶ ${name}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: process.env });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  summary.push(`${result.status === 0 ? "✔" : "✘"} ${name} (${seconds} s)`);
  if (result.status !== 0) {
    if (name === "end-to-end tests" && chromium === "playwright") {
      console.error(
        "\nNo Chromium found at CHROMIUM_PATH or /usr/bin/chromium. Install one (Debian/Ubuntu: `sudo apt-get install chromium`) " +
          "or let Playwright download its own (`npx playwright install chromium`), then run `npm test` again.",
      );
    }
    console.log(`\n${summary.join("\n")}`);
    process.exit(result.status ?? 1);
  }
}
console.log(`\n${summary.join("\n")}`);
