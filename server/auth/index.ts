export { createAuth, CLIENT_IP_HEADER, type Auth, type AuthOptions } from "./auth";
export { colorFor, USER_COLORS } from "./colors";
export { resolveAuthSecret } from "./secret";
export { SessionLookup, type SessionUser } from "./session-lookup";
