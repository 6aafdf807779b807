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
export {
  jwtSession,
  createJWTAdapter,
  createKVRefreshStore,
  InMemoryRefreshTokenStore,
  JWT_ALGORITHMS,
  DEFAULT_MAX_TOKEN_LENGTH,
  type JwtSessionStrategy,
  type JwtSessionOptions,
  type JWTAdapter,
  type JWTAdapterOptions,
  type JwtAdapterTokenOptions,
  type CreateUser,
  type ValidatePassword,
  type OnTokenRefresh,
  type RefreshErrorCode,
  type RefreshCookieOptions,
  type JwtAlgorithm,
  type JwtKeyInput,
  type JwksInput,
  type RefreshTokenRecord,
  type RefreshTokenStore,
  type KVRefreshStoreOptions,
} from "./jwt/index.js";
