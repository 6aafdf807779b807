/**
 * `covara/auth`: sign-in routes, identity transports (cookie sessions, JWT, Passport, Auth.js),
 * passwords, MFA, API keys and account security (spec 40). Scope builders are re-exported so
 * `auth` options can be written from this entry alone.
 * @module
 */
export type {
  AuthUser,
  AuthUserContext,
  GetUserById,
  GetUserContext,
  SessionData,
  SessionStore,
  Authenticated,
  IssuedIdentity,
  SessionStrategy,
  AuthCredentials,
  AuthAdapter,
  VerificationToken,
  VerificationTokenStore,
  EmailMessage,
  EmailAdapter,
} from "./types.js";
export { requireUser } from "../resource/user.js";
export { rsql, allScope, emptyScope, ownerScope, publicScope, ownerOrPublic, scopePatterns, and, or, type CompiledScope } from "../rsql/index.js";
export { InMemorySessionStore, type InMemorySessionStoreOptions } from "./sessions/memory-store.js";
export { createKVSessionStore, createRedisSessionStore, type KVSessionStoreOptions } from "./sessions/kv-store.js";
export { createDrizzleSessionStore, type DrizzleSessionStoreOptions } from "./sessions/drizzle-store.js";
export { sqliteAuthSessions, pgAuthSessions, SQLITE_AUTH_SESSIONS_DDL, PG_AUTH_SESSIONS_DDL } from "./sessions/drizzle-tables.js";
export { createSessionStore, type SessionStoreConfig } from "./sessions/create-store.js";
export { cookieSession, type CookieSessionOptions } from "./sessions/cookie-session.js";
export { type SessionCookieOptions } from "./sessions/cookies.js";
export { createPassportAdapter, type PassportAdapter, type PassportAdapterOptions } from "./sessions/passport-adapter.js";
export { createAuthJsAdapter, AUTHJS_SESSION_COOKIES, type AuthJsAdapter, type AuthJsAdapterOptions } from "./sessions/authjs-adapter.js";
