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
  /** Largest WebSocket message accepted (bytes), and so the largest single update; larger ones close the connection with 1009. */
  maxPayloadBytes: number;
  /** What one client, user or address may do; see README "Security". */
  limits: Limits;
  /** Interval of WebSocket pings; a connection that misses one pong is dropped. */
  heartbeatMs: number;
  /** Interval of the event stream's comment heartbeat. */
  sseHeartbeatMs: number;
  /** Presence heartbeat between instances; an instance silent for 3 beats is considered gone. */
  presenceBeatMs: number;
}

/**
 * The guard rails of a public-facing server: every one is an environment variable (README
 * "Security" lists them). Per-connection rates apply to each socket; per-user and per-address
 * rates to all of that user's (address's) sockets on this instance together.
 */
export interface Limits {
  /** Largest awareness message (a cursor is ~300 bytes); larger ones close with 1009. */
  maxAwarenessBytes: number;
  /** A document whose stored size would pass this refuses further writes (deletions still pass). */
  maxDocumentBytes: number;
  /** Token buckets on incoming WebSocket messages: sustained rate, and the burst allowed above it. */
  connection: RateLimit;
  user: RateLimit;
  address: RateLimit;
  /** Awareness (cursor) messages per second per connection; faster ones are coalesced, the latest wins. */
  awarenessPerSecond: number;
  /** Messages held for a connection (throttled, or its room still loading); past either bound it is closed with 4429. */
  queueMessages: number;
  queueBytes: number;
  /** A connection throttled without a break for this long is closed with 4429: it is not slowing down. */
  throttleCloseMs: number;
  /** A receiver whose unsent data passes this is closed with 4408 (it reconnects and syncs). */
  sendBufferBytes: number;
  /** Open WebSockets and event streams on this instance, per user and per client address. */
  connectionsPerUser: number;
  connectionsPerAddress: number;
  /** How often open WebSockets and event streams check that their session is still valid. */
  sessionRecheckMs: number;
  /** Mentions acted on in one update, and per author per minute; the rest notify nobody. */
  mentionsPerUpdate: number;
  mentionsPerMinute: number;
}

export interface RateLimit {
  messagesPerSecond: number;
  messageBurst: number;
  bytesPerSecond: number;
  /** At least the largest message, so any accepted message can pass. */
  byteBurst: number;
}

const bool = z
  .enum(["1", "0", "true", "false", "yes", "no", ""])
  .transform((v) => v === "1" || v === "true" || v === "yes");

const KiB = 1024;
const MiB = 1024 * KiB;
const positive = z.coerce.number().int().positive();
/** A burst of this many seconds of the sustained rate (messages and bytes) passes unthrottled. */
const BURST_SECONDS = 5;

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
  MAX_PAYLOAD_BYTES: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(8 * MiB),
  MAX_AWARENESS_BYTES: positive.default(16 * KiB),
  MAX_DOCUMENT_BYTES: positive.default(64 * MiB),
  WS_MESSAGES_PER_SECOND: positive.default(100),
  WS_MESSAGE_BURST: positive.default(500),
  WS_BYTES_PER_SECOND: positive.default(1 * MiB),
  USER_MESSAGES_PER_SECOND: positive.default(300),
  USER_BYTES_PER_SECOND: positive.default(4 * MiB),
  ADDRESS_MESSAGES_PER_SECOND: positive.default(2_000),
  ADDRESS_BYTES_PER_SECOND: positive.default(16 * MiB),
  AWARENESS_PER_SECOND: positive.default(20),
  WS_QUEUE_MESSAGES: positive.default(1_000),
  WS_QUEUE_BYTES: positive.default(16 * MiB),
  WS_THROTTLE_CLOSE_MS: positive.default(10_000),
  WS_SEND_BUFFER_BYTES: positive.default(32 * MiB),
  MAX_CONNECTIONS_PER_USER: positive.default(64),
  MAX_CONNECTIONS_PER_ADDRESS: positive.default(512),
  SESSION_RECHECK_MS: z.coerce.number().int().min(100).default(60_000),
  MENTIONS_PER_UPDATE: positive.default(20),
  MENTIONS_PER_MINUTE: positive.default(60),
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
    limits: {
      maxAwarenessBytes: e.MAX_AWARENESS_BYTES,
      maxDocumentBytes: e.MAX_DOCUMENT_BYTES,
      connection: rate(e.WS_MESSAGES_PER_SECOND, e.WS_BYTES_PER_SECOND, e.MAX_PAYLOAD_BYTES, e.WS_MESSAGE_BURST),
      user: rate(e.USER_MESSAGES_PER_SECOND, e.USER_BYTES_PER_SECOND, e.MAX_PAYLOAD_BYTES),
      address: rate(e.ADDRESS_MESSAGES_PER_SECOND, e.ADDRESS_BYTES_PER_SECOND, e.MAX_PAYLOAD_BYTES),
      awarenessPerSecond: e.AWARENESS_PER_SECOND,
      queueMessages: e.WS_QUEUE_MESSAGES,
      queueBytes: Math.max(e.WS_QUEUE_BYTES, e.MAX_PAYLOAD_BYTES),
      throttleCloseMs: e.WS_THROTTLE_CLOSE_MS,
      sendBufferBytes: Math.max(e.WS_SEND_BUFFER_BYTES, e.MAX_PAYLOAD_BYTES),
      connectionsPerUser: e.MAX_CONNECTIONS_PER_USER,
      connectionsPerAddress: e.MAX_CONNECTIONS_PER_ADDRESS,
      sessionRecheckMs: e.SESSION_RECHECK_MS,
      mentionsPerUpdate: e.MENTIONS_PER_UPDATE,
      mentionsPerMinute: e.MENTIONS_PER_MINUTE,
    },
    heartbeatMs: e.HEARTBEAT_MS,
    sseHeartbeatMs: e.SSE_HEARTBEAT_MS,
    presenceBeatMs: e.PRESENCE_BEAT_MS,
  };
}

/** A rate with its burst: `messageBurst` (default BURST_SECONDS of the rate) and at least one largest message of bytes. */
function rate(messagesPerSecond: number, bytesPerSecond: number, maxPayloadBytes: number, messageBurst = messagesPerSecond * BURST_SECONDS): RateLimit {
  return { messagesPerSecond, messageBurst, bytesPerSecond, byteBurst: Math.max(bytesPerSecond * BURST_SECONDS, maxPayloadBytes) };
}
