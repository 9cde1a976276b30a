export type { Bus } from "./bus";
export { InProcessBusNetwork } from "./in-process-bus";
export { RedisBus } from "./redis-bus";
export { createBus } from "./create-bus";
export { decodeJsonMessage, encodeJsonMessage, type Decoded } from "./json-message";
