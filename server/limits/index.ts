export { ConnectionLimits, ConnectionSlot, type Acquired } from "./connection-limits";
export { TokenBucket } from "./token-bucket";
export { ConnectionTraffic, TrafficLimits } from "./traffic";
