import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { APIError, createAuthMiddleware } from "better-auth/api";
import type { PrismaClient } from "../db/generated/client";
import type { Logger } from "../logger";
import { NAME_MAX, oneLineTextProblem } from "../text/characters";
import { colorFor } from "./colors";

/** The header the server sets to the client's address; better-auth's rate limiter keys on it. */
export const CLIENT_IP_HEADER = "x-tandem-client-ip";

export interface AuthOptions {
  prisma: PrismaClient;
  secret: string;
  /** Fixed public origin, when known; otherwise better-auth derives it from each request. */
  publicUrl: string | undefined;
  rateLimitMax: number;
  trustProxy: boolean;
  logger: Logger;
  /**
   * Told of every session row better-auth deletes (sign-out, revocation), with its token: the
   * connections opened with it must end too.
   */
  onSessionDeleted?: (token: string) => void;
}

/**
 * An account name as stored: trimmed, 1–100 characters on one line. The server writes it into
 * every cursor it relays, so a long name would be multiplied by every keystroke.
 * @throws APIError 400 (the client gets it as the API's 400 JSON error)
 */
function accountName(raw: unknown): string {
  if (typeof raw !== "string") throw new APIError("BAD_REQUEST", { message: "Name must be text." });
  const name = raw.trim();
  if (!name) throw new APIError("BAD_REQUEST", { message: "Name must not be empty." });
  const problem = oneLineTextProblem(name, { label: "Name", max: NAME_MAX });
  if (problem) throw new APIError("BAD_REQUEST", { message: `${problem}.` });
  return name;
}

/** Email + password accounts with sessions in PostgreSQL (better-auth). */
export function createAuth(options: AuthOptions) {
  const { logger } = options;
  return betterAuth({
    appName: "Tandem",
    secret: options.secret,
    // Without PUBLIC_URL the origin is the request's own Host, as for the API's origin check.
    baseURL: options.publicUrl ?? { allowedHosts: ["*"], protocol: "auto" },
    basePath: "/api/auth",
    database: prismaAdapter(options.prisma, { provider: "postgresql" }),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: 8,
      maxPasswordLength: 128,
      // Without auto sign-in, better-auth answers a sign-up with a registered email exactly as a
      // new one (after hashing the password all the same), so sign-up does not reveal who has an
      // account. The app signs in right after.
      autoSignIn: false,
      // That stand-in answer must carry what a stored user has: the trimmed name, the colour.
      customSyntheticUser: ({ coreFields, additionalFields, id }) => ({
        ...coreFields,
        ...additionalFields,
        name: coreFields.name.trim(),
        color: colorFor(coreFields.email.toLowerCase()),
        id,
      }),
    },
    user: {
      additionalFields: {
        color: { type: "string", required: false, input: false },
      },
    },
    databaseHooks: {
      session: {
        delete: {
          after: async (session) => {
            options.onSessionDeleted?.(session.token);
          },
        },
      },
      user: {
        // Every write of a name, whichever route makes it (sign-up, update-user), keeps the rule.
        create: {
          before: async (user) => ({ data: { ...user, name: accountName(user.name), color: colorFor(user.email.toLowerCase()) } }),
        },
        update: {
          before: async (user) => (user.name === undefined ? undefined : { data: { ...user, name: accountName(user.name) } }),
        },
      },
    },
    hooks: {
      // Sign-up's name is checked again before better-auth looks the email up: a name refused only
      // when creating the user would tell a new email (400) from a registered one (200).
      before: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== "/sign-up/email") return;
        const body: unknown = ctx.body;
        accountName(typeof body === "object" && body !== null && "name" in body ? body.name : undefined);
      }),
    },
    session: {
      expiresIn: 60 * 60 * 24 * 30,
      updateAge: 60 * 60 * 24,
    },
    rateLimit: {
      enabled: true,
      // Shared by every instance, so a client cannot multiply its budget by switching instance.
      storage: "database",
      window: 60,
      max: 300,
      customRules: {
        "/sign-in/email": { window: 60, max: options.rateLimitMax },
        "/sign-up/email": { window: 60, max: options.rateLimitMax },
      },
    },
    advanced: {
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
      trustedProxyHeaders: options.trustProxy,
      useSecureCookies: options.publicUrl?.startsWith("https://") ?? false,
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax" },
    },
    logger: {
      log: (level, message, ...args) => {
        const fields = args.length > 0 ? { args } : {};
        switch (level) {
          case "error":
            logger.error(fields, `auth: ${message}`);
            break;
          case "warn":
            logger.warn(fields, `auth: ${message}`);
            break;
          default:
            logger.debug(fields, `auth: ${message}`);
        }
      },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;
