export { createApi, type ApiDependencies } from "./app";
export type { SessionUser } from "./env";
export { nodeHeaders, requestOrigin, type HeaderReader } from "./origin";
