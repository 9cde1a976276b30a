export { ConnectionLimits, type ConnectionSlot } from "./connection-limits";
export { TokenBucket } from "./token-bucket";
export { TrafficLimits, type ConnectionTraffic } from "./traffic";
