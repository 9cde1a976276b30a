export { createAuth, CLIENT_IP_HEADER, type Auth, type AuthOptions } from "./auth";
export { colorFor, USER_COLORS } from "./colors";
export { resolveAuthSecret } from "./secret";
export { LiveSessions, type OpenedSession, type SessionBound } from "./live-sessions";
export { SessionLookup, type Session, type SessionUser } from "./session-lookup";
