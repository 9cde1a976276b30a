import pino, { type Logger } from "pino";

export type { Logger };

/** JSON lines on stdout (one event per line), pretty-printed when a person is watching a terminal. */
export function createLogger(level: string): Logger {
  const pretty = process.stdout.isTTY && process.env.LOG_FORMAT !== "json";
  return pino({
    level,
    base: undefined,
    ...(pretty ? { transport: { target: "pino-pretty", options: { translateTime: "HH:MM:ss.l", ignore: "pid,hostname" } } } : {}),
  });
}
