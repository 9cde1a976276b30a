import type { Logger } from "../logger";
import type { Bus } from "./bus";
import { InProcessBusNetwork } from "./in-process-bus";
import { RedisBus } from "./redis-bus";

/**
 * The bus this instance uses: Redis when REDIS_URL is set (several instances), otherwise an
 * in-process one (a single instance needs no Redis). A Redis that is down at start is not
 * fatal: the instance serves its own clients and heals once Redis comes.
 */
export async function createBus(redisUrl: string | undefined, logger: Logger): Promise<Bus> {
  if (!redisUrl) return new InProcessBusNetwork(logger).connect();
  const bus = new RedisBus(redisUrl, logger.child({ component: "redis-bus" }));
  try {
    await bus.ready(5_000);
    logger.info({ instanceId: bus.instanceId }, "connected to Redis: sharing documents, presence and notifications with other instances");
  } catch (error) {
    logger.warn({ err: error }, "Redis is not reachable; serving this instance's clients and retrying in the background");
  }
  return bus;
}
