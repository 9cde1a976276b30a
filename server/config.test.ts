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
