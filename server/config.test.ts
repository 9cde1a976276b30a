import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config";

describe("loadConfig", () => {
  it("has defaults for everything (npm start with nothing set)", () => {
    const config = loadConfig({}, { dev: false, cwd: "/srv/tandem" });
    expect(config).toMatchObject({ host: "0.0.0.0", port: 3000, dataDir: "/srv/tandem/.data", databaseUrl: undefined, redisUrl: undefined, trustProxy: false });
  });

  it("reads every variable", () => {
    const config = loadConfig(
      { HOST: "127.0.0.1", PORT: "0", PUBLIC_URL: "https://docs.example.com/", DATABASE_URL: "postgresql://db/x", REDIS_URL: "redis://r:6379", DATA_DIR: "/var/lib/tandem", TRUST_PROXY: "1", AUTH_RATE_LIMIT_MAX: "5", LOG_LEVEL: "warn" },
      { dev: true, cwd: "/srv" },
    );
    expect(config).toMatchObject({ dev: true, host: "127.0.0.1", port: 0, publicUrl: "https://docs.example.com", databaseUrl: "postgresql://db/x", redisUrl: "redis://r:6379", dataDir: "/var/lib/tandem", trustProxy: true, authRateLimitMax: 5, logLevel: "warn" });
  });

  it("reads every limit, with defaults, and keeps byte bursts and queues at least one largest message", () => {
    const defaults = loadConfig({}, { dev: false, cwd: "/" }).limits;
    expect(defaults).toMatchObject({
      maxAwarenessBytes: 16 * 1024,
      maxDocumentBytes: 64 * 1024 * 1024,
      connection: { messagesPerSecond: 100, messageBurst: 500, bytesPerSecond: 1024 * 1024, byteBurst: 8 * 1024 * 1024 },
      user: { messagesPerSecond: 300, messageBurst: 1_500 },
      address: { messagesPerSecond: 2_000 },
      awarenessPerSecond: 20,
      queueMessages: 1_000,
      throttleCloseMs: 10_000,
      connectionsPerUser: 64,
      connectionsPerAddress: 512,
      sessionRecheckMs: 60_000,
      mentionsPerUpdate: 20,
      mentionsPerMinute: 60,
    });
    const set = loadConfig(
      {
        MAX_PAYLOAD_BYTES: "65536",
        MAX_AWARENESS_BYTES: "1000",
        MAX_DOCUMENT_BYTES: "2000000",
        WS_MESSAGES_PER_SECOND: "7",
        WS_MESSAGE_BURST: "9",
        WS_BYTES_PER_SECOND: "1000",
        USER_MESSAGES_PER_SECOND: "11",
        USER_BYTES_PER_SECOND: "2000",
        ADDRESS_MESSAGES_PER_SECOND: "13",
        ADDRESS_BYTES_PER_SECOND: "3000",
        AWARENESS_PER_SECOND: "3",
        WS_QUEUE_MESSAGES: "50",
        WS_QUEUE_BYTES: "1024",
        WS_THROTTLE_CLOSE_MS: "500",
        WS_SEND_BUFFER_BYTES: "1024",
        MAX_CONNECTIONS_PER_USER: "2",
        MAX_CONNECTIONS_PER_ADDRESS: "4",
        SESSION_RECHECK_MS: "250",
        MENTIONS_PER_UPDATE: "5",
        MENTIONS_PER_MINUTE: "6",
      },
      { dev: false, cwd: "/" },
    );
    expect(set.maxPayloadBytes).toBe(65_536);
    expect(set.limits).toEqual({
      maxAwarenessBytes: 1_000,
      maxDocumentBytes: 2_000_000,
      connection: { messagesPerSecond: 7, messageBurst: 9, bytesPerSecond: 1_000, byteBurst: 65_536 },
      user: { messagesPerSecond: 11, messageBurst: 55, bytesPerSecond: 2_000, byteBurst: 65_536 },
      address: { messagesPerSecond: 13, messageBurst: 65, bytesPerSecond: 3_000, byteBurst: 65_536 },
      awarenessPerSecond: 3,
      // Never below one largest message: any message that is accepted at all can pass.
      queueMessages: 50,
      queueBytes: 65_536,
      throttleCloseMs: 500,
      sendBufferBytes: 65_536,
      connectionsPerUser: 2,
      connectionsPerAddress: 4,
      sessionRecheckMs: 250,
      mentionsPerUpdate: 5,
      mentionsPerMinute: 6,
    });
  });

  it("names each invalid variable", () => {
    expect(() => loadConfig({ PORT: "70000", PUBLIC_URL: "nope", BETTER_AUTH_SECRET: "short" }, { dev: false, cwd: "/" })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: "70000", BETTER_AUTH_SECRET: "short" }, { dev: false, cwd: "/" });
    } catch (error) {
      expect((error as Error).message).toMatch(/PORT/);
      expect((error as Error).message).toMatch(/BETTER_AUTH_SECRET/);
    }
  });
});
