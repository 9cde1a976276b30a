import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import type { PrismaClient } from "../db/generated/client";
import type { Logger } from "../logger";
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
    emailAndPassword: { enabled: true, minPasswordLength: 8, maxPasswordLength: 128, autoSignIn: true },
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
        create: {
          before: async (user) => ({ data: { ...user, color: colorFor(user.email.toLowerCase()) } }),
        },
      },
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
