/**
 * The shared shapes of `covara/auth` (spec 40): users, sessions and their stores, identity
 * transports (session strategies and the README's legacy adapters), one-time tokens and email.
 * Every part of the auth package codes against these.
 * @module
 */
import type { Context, Hono } from "hono";
import type { UserContext } from "../resource/config.js";

type MaybePromise<T> = T | Promise<T>;

/** A user as the app's own store returns it: Covara never owns the users table. */
export interface AuthUser {
  id: string;
  email?: string | null;
  name?: string | null;
  image?: string | null;
  emailVerified?: Date | null;
  /** role, permissions, organizationId, apiKeyScopes… */
  metadata?: Record<string, unknown>;
}

/** The request user, `c.get("user")` (spec 40 §2). */
export interface AuthUserContext extends UserContext {
  id: string;
  email: string | null;
  name: string | null;
  image: string | null;
  emailVerified: Date | null;
  /** Session id, JWT `jti`, `apikey:<8 chars>` or OIDC `jti`. */
  sessionId: string;
  sessionExpiresAt: Date;
  metadata?: Record<string, unknown>;
}

/** Loads a user by id; `null` when it no longer exists. */
export type GetUserById = (id: string) => MaybePromise<AuthUser | null>;

/** Extra metadata merged into `user.metadata` on every authentication (role, permissions…). */
export type GetUserContext = (user: AuthUser) => MaybePromise<Record<string, unknown> | undefined>;

/** One server-side session; always logical keys, whatever the storage. */
export interface SessionData {
  id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  /** `ipAddress`, `userAgent`, `lastActiveAt` (epoch ms) and app data. */
  data?: Record<string, unknown>;
}

/** Where sessions live (spec 40 §7): memory, KV (any backend) or a Drizzle table. */
export interface SessionStore {
  /** `null` when missing or expired. */
  get(id: string): Promise<SessionData | null>;
  set(id: string, data: SessionData, ttlMs: number): Promise<void>;
  delete(id: string): Promise<void>;
  touch(id: string, ttlMs: number): Promise<void>;
  getAll?(): Promise<SessionData[]>;
  getByUser?(userId: string): Promise<SessionData[]>;
  deleteByUser?(userId: string): Promise<number>;
  /**
   * Replaces `data` of a live session, keeping its expiry; false when it is gone. Lets activity
   * stamping run fire-and-forget without resurrecting a session deleted meanwhile (a
   * get-then-`set` could). Every built-in store has it; strategies fall back to get-then-set.
   */
  update?(id: string, data: Record<string, unknown>): Promise<boolean>;
}

/** What a successful authentication yields. */
export interface Authenticated {
  user: AuthUserContext;
  session?: SessionData;
}

/** What issuing an identity (every login path) yields; the strategy also sets its cookies on `c`. */
export interface IssuedIdentity {
  user: AuthUser;
  /** Cookie transports. */
  sessionId?: string;
  /** JWT transports. */
  accessToken?: string;
  refreshToken?: string;
  /** Seconds. */
  expiresIn?: number;
  expiresAt?: Date;
}

/**
 * An identity transport (spec 40 §6.2): how a request proves who it is, and how a login mints that
 * proof. `cookieSession(…)` and `jwtSession(…)` implement it; the legacy adapters are mapped onto it.
 */
export interface SessionStrategy {
  name: string;
  /** The request's user, or `null` for missing, invalid, expired or revoked credentials. Never throws for bad credentials. */
  authenticate(c: Context): Promise<Authenticated | null>;
  /**
   * Mints a fresh identity for `userId`, first revoking the one the request carries (rotation:
   * a fixated session id never authenticates), and sets cookies on `c`.
   */
  issue(c: Context, userId: string, meta?: Record<string, unknown>): Promise<IssuedIdentity>;
  /** Revokes the request's identity and clears its cookies; never throws. */
  logout(c: Context): Promise<void>;
  /** Revokes an identity `issue` just minted on this request (a login refused by `onLogin`) and clears its cookies. */
  revoke?(c: Context, identity: IssuedIdentity): Promise<void>;
  /** "Log out everywhere"; returns how many sessions ended. */
  invalidateUserSessions?(userId: string, exceptSessionId?: string): Promise<number>;
  /** Extra routes the auth router mounts (e.g. `POST /refresh` for JWT). */
  getRoutes?(): Hono<any>;
  sessionStore?: SessionStore;
}

/** Credentials a legacy adapter extracts from a request. */
export type AuthCredentials =
  | { type: "bearer"; token: string }
  | { type: "session"; sessionId: string }
  | { type: "apiKey"; key: string }
  | { type: "basic"; username: string; password: string };

/** The README's adapter contract (spec 40 §6.1); `useAuth({ adapter })` maps it onto a strategy. */
export interface AuthAdapter {
  name: string;
  extractCredentials(c: Context): MaybePromise<AuthCredentials | null>;
  validateCredentials(credentials: AuthCredentials): Promise<Authenticated | null>;
  getSession?(c: Context): Promise<SessionData | null>;
  invalidateSession?(c: Context): Promise<void>;
  getRoutes?(): Hono<any>;
  refreshSession?(c: Context): Promise<IssuedIdentity | null>;
  createSession?(c: Context, userId: string, data?: Record<string, unknown>): Promise<IssuedIdentity>;
  invalidateUserSessions?(userId: string, exceptSessionId?: string): Promise<number>;
  /** The strategy this adapter runs as inside `useAuth`, when it has one. */
  toStrategy?(): SessionStrategy;
}

/** A stored one-time token (verification, password reset, magic link). */
export interface VerificationToken {
  identifier: string;
  /** The token, or its SHA-256 hex when the store hashes tokens. */
  token: string;
  expires: Date;
}

/** Consume-once token storage (spec 40 §14): `consume` is an atomic get-and-delete. */
export interface VerificationTokenStore {
  create(token: VerificationToken): Promise<void>;
  /** The record, deleted in the same step; `null` when unknown. Expiry is checked by the caller. */
  consume(identifier: string, token: string): Promise<VerificationToken | null>;
  deleteByIdentifier(identifier: string): Promise<void>;
}

/** An email to send (spec 70). */
export interface EmailMessage {
  from?: string;
  to: string | string[];
  cc?: string | string[];
  bcc?: string | string[];
  replyTo?: string | string[];
  subject: string;
  html?: string;
  text?: string;
  headers?: Record<string, string>;
  tags?: Record<string, string>;
}

/** Sends email (spec 70); the auth flows use it through their `sendToken`/`sendLink` callbacks. */
export interface EmailAdapter {
  provider: string;
  send(message: EmailMessage): Promise<{ id?: string }>;
  sendBatch?(messages: EmailMessage[]): Promise<{ id?: string }[]>;
}
