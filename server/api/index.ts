export { createApi, type ApiDependencies } from "./app";
export type { SessionUser } from "./env";
export { requestOrigin } from "./origin";
export { sessionUser } from "./session";
