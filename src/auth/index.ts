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
export { readJsonBody } from "../resource/input.js";
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
export {
  hashPassword,
  verifyPassword,
  needsRehash,
  DEFAULT_SCRYPT_PARAMS,
  PASSWORD_LIMITS,
  type ScryptParams,
} from "./password.js";
export {
  validatePasswordStrength,
  enforcePasswordStrength,
  builtInPasswordDenylist,
  type PasswordPolicyOptions,
  type PasswordStrengthResult,
} from "./password-policy.js";
export {
  createApiKey,
  verifyApiKey,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
  parseApiKeyId,
  apiKeyMetadata,
  type CreateApiKeyOptions,
  type CreatedApiKey,
  type RotateApiKeyOptions,
  type ApiKeyVerification,
  type ApiKeyFailure,
} from "./api-keys.js";
export {
  InMemoryApiKeyStore,
  createKVApiKeyStore,
  defaultApiKeyStore,
  type ApiKeyStore,
  type ApiKeyRecord,
  type ApiKeyMetadata,
} from "./api-key-stores.js";
export {
  InMemoryVerificationTokenStore,
  createKVVerificationTokenStore,
  defaultVerificationTokenStore,
  generateToken,
  hashToken,
  issueVerificationToken,
  redeemVerificationToken,
  MAX_TOKEN_PART_LENGTH,
  type TokenFlowOptions,
  type RedeemFailure,
} from "./verification-tokens.js";
export {
  generateTotpSecret,
  generateTotp,
  verifyTotp,
  getTotpUri,
  generateBackupCodes,
  verifyBackupCode,
  base32Encode,
  base32Decode,
  BACKUP_CODE_SCRYPT,
  type TotpOptions,
  type VerifyTotpOptions,
  type TotpUriOptions,
} from "./totp.js";
export { createMemoryEmailAdapter, type MemoryEmailAdapter } from "./email-memory.js";
export { timingSafeEqual } from "./constant-time.js";
export { InMemorySessionStore, type InMemorySessionStoreOptions } from "./sessions/memory-store.js";
export { createKVSessionStore, createRedisSessionStore, type KVSessionStoreOptions } from "./sessions/kv-store.js";
export { createDrizzleSessionStore, type DrizzleSessionStoreOptions } from "./sessions/drizzle-store.js";
export { sqliteAuthSessions, pgAuthSessions, SQLITE_AUTH_SESSIONS_DDL, PG_AUTH_SESSIONS_DDL } from "./sessions/drizzle-tables.js";
export { createSessionStore, type SessionStoreConfig } from "./sessions/create-store.js";
export { cookieSession, type CookieSessionOptions } from "./sessions/cookie-session.js";
export { type SessionCookieOptions } from "./sessions/cookies.js";
export { createPassportAdapter, type PassportAdapter, type PassportAdapterOptions } from "./sessions/passport-adapter.js";
export { createAuthJsAdapter, AUTHJS_SESSION_COOKIES, type AuthJsAdapter, type AuthJsAdapterOptions } from "./sessions/authjs-adapter.js";
export {
  fromPassport,
  mapPassportProfile,
  createSocialRoutes,
  type FromPassportOptions,
  type PassportOAuth2Strategy,
  type PassportOAuth2Client,
  type PassportProfile,
  type SocialRouteDeps,
  type SocialAccount,
  type SocialOptions,
  type SocialProfile,
  type SocialProvider,
  type SocialStateBag,
  type SocialStateStore,
  type SocialTokens,
} from "./social/index.js";
export { useAuth, createAuthRoutes, type AuthRoutes } from "./use-auth.js";
export type {
  UseAuthOptions,
  LoginOptions,
  SignupOptions,
  AbuseHooks,
  TokenFlowConfig,
  TokenMessage,
  VerificationOptions,
  PasswordResetOptions,
  MagicLinkOptions,
  MfaOptions,
  MfaEnrollment,
  LegacyCookieOptions,
} from "./routes/options.js";
export {
  getUser,
  getSession,
  requireAuth,
  requireRole,
  requirePermission,
  requireOwnership,
  createAuthMiddleware,
  type OwnershipOptions,
  type AuthMiddlewareOptions,
} from "./guards.js";
export { createCsrfMiddleware, issueCsrfToken, generateCsrfToken, type CsrfOptions } from "./csrf.js";
export { createLoginThrottle, THROTTLE_MESSAGE, type ThrottleOptions, type LoginThrottle, type AuthKv } from "./throttle.js";
export { resolveClientIp, trustedProxyMatcher, type TrustedProxies, type ClientIpOptions } from "./client-ip.js";
