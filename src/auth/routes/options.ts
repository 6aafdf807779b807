/** The options of `useAuth` (spec 40 §3) and of its flows (§14, §15). */
import type { Context } from "hono";
import type { SocialOptions } from "../social/types.js";
import type { TrustedProxies } from "../client-ip.js";
import type { CsrfOptions } from "../csrf.js";
import type { PasswordPolicyOptions } from "../password-policy.js";
import type { AuthKv, ThrottleOptions } from "../throttle.js";
import type { AuthAdapter, AuthUser, SessionStrategy, VerificationTokenStore } from "../types.js";

type MaybePromise<T> = T | Promise<T>;

/** Abuse hooks (spec 60) an endpoint may declare; enforced by `abuseProtection` when the app installs it. */
export interface AbuseHooks {
  cost?: number | { failed?: number };
  pow?: boolean | Record<string, unknown>;
  captcha?: boolean | Record<string, unknown>;
}

/** Password login. */
export interface LoginOptions extends AbuseHooks {
  /** The user for these credentials, or null. Hash checks (e.g. `verifyPassword`) are the app's. */
  validateCredentials(email: string, password: string): MaybePromise<AuthUser | null>;
}

/** Self-service signup. */
export interface SignupOptions extends AbuseHooks {
  /** Creates the user; receives the plaintext password (hash it). Throw `ConflictError` for 409. */
  createUser(input: { email: string; password: string; name?: string }): MaybePromise<AuthUser>;
  /** false → 400 "Invalid email format" (there is no built-in syntax check). */
  validateEmail?(email: string): MaybePromise<boolean>;
  /** false → 400 "Password does not meet requirements" (after `passwordPolicy`). */
  validatePassword?(password: string): MaybePromise<boolean>;
}

/** What every one-time-token flow shares. */
export interface TokenFlowConfig {
  /** Default: a KV token store on the request's/global KV, else one in-memory store. */
  store?: VerificationTokenStore;
  /** Token lifetime in milliseconds. */
  ttlMs?: number;
  /** Store SHA-256 hex instead of the token. Default true ([dev]: Covara false). */
  hashTokens?: boolean;
}

/** What a flow hands the app's sender; `identifier` is the bare email. */
export interface TokenMessage {
  identifier: string;
  token: string;
  expiresAt: Date;
  c: Context;
}

/** Email verification (default TTL 24 h). */
export interface VerificationOptions extends TokenFlowConfig {
  sendToken(message: TokenMessage): MaybePromise<void>;
  markVerified(identifier: string): MaybePromise<void>;
}

/** Password reset (default TTL 1 h). */
export interface PasswordResetOptions extends TokenFlowConfig, AbuseHooks {
  sendToken(message: TokenMessage): MaybePromise<void>;
  /** Stores the new hash (`hashPassword` output) for the email. */
  resetPassword(identifier: string, passwordHash: string): MaybePromise<void>;
  /** When given, tokens are sent only to existing users, and `logoutEverywhere` can find the user. */
  findUserByEmail?(email: string): MaybePromise<AuthUser | null>;
  /** End every session of the user after a reset. */
  logoutEverywhere?: boolean;
}

/** Magic-link login (default TTL 15 min). */
export interface MagicLinkOptions extends TokenFlowConfig {
  sendLink(message: TokenMessage): MaybePromise<void>;
  findUserByEmail(email: string): MaybePromise<AuthUser | null>;
}

/** A stored TOTP enrolment. */
export interface MfaEnrollment {
  secret: string;
  enabled: boolean;
  /** `hashPassword` hashes of the backup codes; `""` marks a used one. */
  backupCodeHashes?: string[];
}

/** TOTP MFA (spec 40 §15). */
export interface MfaOptions {
  /** Shown in authenticator apps. Default "Covara". */
  issuer?: string;
  totp?: { step?: number; digits?: number; window?: number };
  /** Default 10. */
  backupCodeCount?: number;
  /** Ask enrolled users for a code at login. */
  requireOnLogin?: boolean;
  getUserByEmail(email: string): MaybePromise<AuthUser | null>;
  getEnrollment(userId: string): MaybePromise<MfaEnrollment | null>;
  saveEnrollment(userId: string, enrollment: MfaEnrollment): MaybePromise<void>;
  saveBackupCodeHashes?(userId: string, hashes: string[]): MaybePromise<void>;
  /** Told after a backup code was used (its hash is already tombstoned via `saveEnrollment`). */
  consumeBackupCode?(userId: string, index: number): MaybePromise<void>;
}

/** Cookie attributes of the legacy-adapter path; `maxAge` in milliseconds. */
export interface LegacyCookieOptions {
  httpOnly?: boolean;
  sameSite?: "lax" | "strict" | "none" | "Lax" | "Strict" | "None";
  /** Milliseconds. Default 604800000 (7 days). */
  maxAge?: number;
  path?: string;
  secure?: boolean;
  domain?: string;
}

/** Options of `useAuth`. */
export interface UseAuthOptions {
  /** A README adapter (`createPassportAdapter`, `createJWTAdapter`, `createAuthJsAdapter`, …). */
  adapter?: AuthAdapter;
  /** `cookieSession(…)` or `jwtSession(…)`; wins over `adapter`. */
  session?: SessionStrategy;
  /** Legacy-adapter path only. Default "session". */
  cookieName?: string;
  /** Legacy-adapter path only. */
  cookieOptions?: LegacyCookieOptions;
  login?: LoginOptions;
  signup?: SignupOptions;
  /** Shapes `user` in `/me` and login responses. Default `{ id, email, name, image }`. */
  serializeUser?(user: AuthUser): Record<string, unknown>;
  onLogin?(user: AuthUser, c: Context): MaybePromise<void>;
  onLogout?(user: AuthUser | null, c: Context): MaybePromise<void>;
  onSignup?(user: AuthUser, c: Context): MaybePromise<void>;
  csrf?: boolean | CsrfOptions;
  throttle?: boolean | ThrottleOptions;
  verification?: VerificationOptions;
  passwordReset?: PasswordResetOptions;
  magicLink?: MagicLinkOptions;
  passwordPolicy?: PasswordPolicyOptions;
  mfa?: MfaOptions;
  /** Social login (spec 40 §17), mounted at `social.basePath` (default "/social"). */
  social?: SocialOptions;
  /** Proxies whose `X-Forwarded-For` is believed when keying throttles by IP (Node). */
  trustedProxies?: TrustedProxies;
  /**
   * Where throttle counters, MFA tickets and TOTP replay markers live. Default: the request's KV
   * (`createCovara({ kv })`), else the global KV, else one in-memory store per `useAuth`.
   */
  kv?: AuthKv;
}
