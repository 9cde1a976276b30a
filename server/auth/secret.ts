import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { ConfigError } from "../config";

/**
 * The secret that signs sessions. A deployment that declares itself production
 * (NODE_ENV=production) must be given one: a secret generated on one instance would log everyone
 * out of the others. Otherwise (development, or `npm start` on one machine) one is generated once
 * and kept under the data folder so sessions survive restarts.
 * @throws ConfigError with NODE_ENV=production and no BETTER_AUTH_SECRET.
 */
export async function resolveAuthSecret(options: { secret: string | undefined; dev: boolean; nodeEnv: string | undefined; dataDir: string }): Promise<string> {
  if (options.secret) return options.secret;
  if (!options.dev && options.nodeEnv === "production") {
    throw new ConfigError(
      "BETTER_AUTH_SECRET is not set. Production needs a secret of at least 32 characters shared by every instance, " +
        "e.g. `BETTER_AUTH_SECRET=$(openssl rand -base64 32)`.",
    );
  }
  const file = path.join(options.dataDir, "auth-secret");
  try {
    const stored = (await readFile(file, "utf8")).trim();
    if (stored.length >= 32) return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const secret = randomBytes(32).toString("base64url");
  await mkdir(options.dataDir, { recursive: true });
  await writeFile(file, secret + "\n", { mode: 0o600 });
  return secret;
}
