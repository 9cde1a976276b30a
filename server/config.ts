import path from "node:path";
import { z } from "zod";

/** Everything the server reads from the environment, validated once at start. */
export interface Config {
  dev: boolean;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** The origin browsers use to reach the app; mutations and upgrades must come from it. */
  publicUrl: string | undefined;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  dataDir: string;
  authSecret: string | undefined;
  /** Trust X-Forwarded-For / X-Forwarded-Proto from a reverse proxy in front of the app. */
  trustProxy: boolean;
  /** Sign-in and sign-up attempts allowed per client address per minute. */
  authRateLimitMax: number;
  logLevel: string;
  /** Largest WebSocket message accepted (bytes); larger ones close the connection with 1009. */
  maxPayloadBytes: number;
  /** Interval of WebSocket pings; a connection that misses one pong is dropped. */
  heartbeatMs: number;
  /** Interval of the event stream's comment heartbeat. */
  sseHeartbeatMs: number;
  /** Presence heartbeat between instances; an instance silent for 3 beats is considered gone. */
  presenceBeatMs: number;
}

const bool = z
  .enum(["1", "0", "true", "false", "yes", "no", ""])
  .transform((v) => v === "1" || v === "true" || v === "yes");

const EnvSchema = z.object({
  NODE_ENV: z.string().optional(),
  HOST: z.string().min(1).default("0.0.0.0"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z.string().min(1).optional(),
  REDIS_URL: z.string().min(1).optional(),
  DATA_DIR: z.string().min(1).optional(),
  BETTER_AUTH_SECRET: z.string().min(32, "BETTER_AUTH_SECRET must be at least 32 characters").optional(),
  TRUST_PROXY: bool.default(false),
  AUTH_RATE_LIMIT_MAX: z.coerce.number().int().positive().default(10),
  MAX_PAYLOAD_BYTES: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(16 * 1024 * 1024),
  HEARTBEAT_MS: z.coerce.number().int().min(100).default(30_000),
  SSE_HEARTBEAT_MS: z.coerce.number().int().min(100).default(15_000),
  PRESENCE_BEAT_MS: z.coerce.number().int().min(100).default(10_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Reads the configuration from `env`.
 * @throws ConfigError naming every invalid variable.
 */
export function loadConfig(env: Record<string, string | undefined>, options: { dev: boolean; cwd: string }): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    dev: options.dev,
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL?.replace(/\/$/, ""),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    dataDir: path.resolve(options.cwd, e.DATA_DIR ?? ".data"),
    authSecret: e.BETTER_AUTH_SECRET,
    trustProxy: e.TRUST_PROXY,
    authRateLimitMax: e.AUTH_RATE_LIMIT_MAX,
    logLevel: e.LOG_LEVEL,
    maxPayloadBytes: e.MAX_PAYLOAD_BYTES,
    heartbeatMs: e.HEARTBEAT_MS,
    sseHeartbeatMs: e.SSE_HEARTBEAT_MS,
    presenceBeatMs: e.PRESENCE_BEAT_MS,
  };
}
