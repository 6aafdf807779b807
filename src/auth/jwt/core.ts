/**
 * The machinery `jwtSession` and `createJWTAdapter` share: option defaults, token minting with
 * the user's claims, bearer authentication, issuance with rotation, logout and revocation.
 * @module
 */
import type { Context } from "hono";
import type { AuthUser, AuthUserContext, Authenticated, GetUserById, GetUserContext, IssuedIdentity } from "../types.js";
import { refreshCookie, type RefreshCookie, type RefreshCookieOptions } from "./cookie.js";
import { resolveJwtKeys, type JwtAlgorithm, type JwtKeyInput, type JwksInput } from "./keys.js";
import { createKVRefreshStore, revokeUserTokens, type RefreshTokenStore } from "./refresh-store.js";
import { createTokenCodec, DEFAULT_MAX_TOKEN_LENGTH, type TokenCodec, type VerifiedToken } from "./tokens.js";

/** Options of `jwtSession` (TTLs in seconds). */
export interface JwtSessionOptions {
  /** Loads the user at login and at every refresh; `null` ends the session (401 USER_NOT_FOUND). */
  getUserById: GetUserById;
  /** HS256: the shared secret (≥ 32 bytes). RS256/ES256/EdDSA: the private key when `privateKey` is absent. */
  secret?: JwtKeyInput;
  privateKey?: JwtKeyInput;
  publicKey?: JwtKeyInput;
  /** Verify against a JWK set (object) or a JWKS URL instead of `publicKey`. */
  jwks?: JwksInput;
  /** `kid` header of issued tokens. */
  keyId?: string;
  /** Default `"HS256"`; tokens signed with any other algorithm are rejected. */
  algorithm?: JwtAlgorithm;
  /** Default 900 (15 min). */
  accessTokenTtl?: number;
  /** Default 604800 (7 days). */
  refreshTokenTtl?: number;
  issuer?: string;
  /** An array is written whole and verified against its first element. */
  audience?: string | string[];
  /** Seconds; default 30. */
  clockTolerance?: number;
  /** Rotating, revocable refresh tokens; `true` = `createKVRefreshStore()` (global KV, else memory). */
  refreshStore?: RefreshTokenStore | true;
  /** Default `"refreshToken"`. */
  refreshCookieName?: string;
  refreshCookie?: RefreshCookieOptions;
  /** Extra `metadata` claims (role, permissions…), computed at login and at every refresh. */
  getUserContext?: GetUserContext;
  /** Longest token accepted, in characters; default 8192. */
  maxTokenLength?: number;
}

/** Resolved configuration plus the shared operations. */
export interface JwtCore {
  readonly getUserById: GetUserById;
  readonly accessTokenTtl: number;
  readonly refreshTokenTtl: number;
  readonly maxTokenLength: number;
  readonly codec: TokenCodec;
  readonly store: RefreshTokenStore | undefined;
  readonly cookie: RefreshCookie;
  /** The bearer token of a request, if it sent a plausible one. */
  bearer(c: Context): string | undefined;
  /** The user of a verified access token, or null. */
  authenticateToken(token: string | undefined): Promise<Authenticated | null>;
  /** A new access token for `user` in login family `sid`. */
  mintAccess(user: AuthUser, sid: string): Promise<{ token: string; jti: string; exp: number }>;
  /** A new refresh token in family `sid`, recorded in the store when there is one. */
  mintRefresh(user: AuthUser, sid: string, accessJti: string): Promise<string>;
  issue(c: Context, userId: string): Promise<IssuedIdentity>;
  logout(c: Context): Promise<void>;
  revoke(c: Context, identity: IssuedIdentity): Promise<void>;
  invalidateUserSessions(userId: string, exceptSessionId?: string): Promise<number>;
}

const MAX_TTL_SECONDS = 366 * 24 * 3600; // the KV port's longest TTL

function positiveInteger(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value <= 0 || value > max) throw new TypeError(`jwt: ${name} must be a positive integer of seconds (at most ${max})`);
  return value;
}

const text = (value: unknown): string | null => (typeof value === "string" ? value : null);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function toDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value !== "string" && typeof value !== "number") return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The request user a verified access token describes: claims only, no lookup. */
export function userFromClaims(payload: VerifiedToken): AuthUserContext {
  return {
    id: payload.sub,
    email: text(payload.email),
    name: text(payload.name),
    image: text(payload.image),
    emailVerified: toDate(payload.emailVerified),
    sessionId: payload.jti,
    sessionExpiresAt: new Date(payload.exp * 1000),
    ...(isRecord(payload.metadata) ? { metadata: payload.metadata } : {}),
  };
}

/** Validates options and builds the shared machinery. */
export function createJwtCore(options: JwtSessionOptions): JwtCore {
  if (typeof options.getUserById !== "function") throw new TypeError("jwt: getUserById is required");
  const algorithm = options.algorithm ?? "HS256";
  const accessTokenTtl = positiveInteger("accessTokenTtl", options.accessTokenTtl ?? 900);
  const refreshTokenTtl = positiveInteger("refreshTokenTtl", options.refreshTokenTtl ?? 604800, MAX_TTL_SECONDS);
  const clockTolerance = options.clockTolerance ?? 30;
  if (!Number.isFinite(clockTolerance) || clockTolerance < 0) throw new TypeError("jwt: clockTolerance must be a non-negative number of seconds");
  const maxTokenLength = positiveInteger("maxTokenLength", options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH);
  const keys = resolveJwtKeys({
    algorithm,
    ...(options.secret !== undefined ? { secret: options.secret } : {}),
    ...(options.privateKey !== undefined ? { privateKey: options.privateKey } : {}),
    ...(options.publicKey !== undefined ? { publicKey: options.publicKey } : {}),
    ...(options.jwks !== undefined ? { jwks: options.jwks } : {}),
    ...(options.keyId !== undefined ? { keyId: options.keyId } : {}),
  });
  const codec = createTokenCodec({
    keys,
    algorithm,
    clockTolerance,
    maxTokenLength,
    ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
    ...(options.audience !== undefined ? { audience: options.audience } : {}),
  });
  const store = options.refreshStore === true ? createKVRefreshStore() : options.refreshStore;
  const cookie = refreshCookie(options.refreshCookieName ?? "refreshToken", refreshTokenTtl, options.refreshCookie);

  const userClaims = async (user: AuthUser): Promise<Record<string, unknown>> => {
    const extra = options.getUserContext ? await options.getUserContext(user) : undefined;
    const metadata = { ...(user.metadata ?? {}), ...(extra ?? {}) };
    return {
      email: user.email ?? null,
      name: user.name ?? null,
      image: user.image ?? null,
      emailVerified: toDate(user.emailVerified)?.toISOString() ?? null,
      ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    };
  };

  const core: JwtCore = {
    getUserById: options.getUserById,
    accessTokenTtl,
    refreshTokenTtl,
    maxTokenLength,
    codec,
    store,
    cookie,

    bearer(c) {
      const header = c.req.header("authorization");
      if (!header || header.length > maxTokenLength + 16) return undefined;
      const match = /^Bearer +(\S+) *$/i.exec(header);
      return match?.[1];
    },

    async authenticateToken(token) {
      if (token === undefined) return null;
      const outcome = await codec.verify(token, "access");
      if (!outcome.ok) return null;
      const user = userFromClaims(outcome.payload);
      const iat = typeof outcome.payload.iat === "number" ? outcome.payload.iat : outcome.payload.exp - accessTokenTtl;
      return { user, session: { id: user.sessionId, userId: user.id, createdAt: new Date(iat * 1000), expiresAt: user.sessionExpiresAt } };
    },

    async mintAccess(user, sid) {
      const jti = crypto.randomUUID();
      const { token, exp } = await codec.sign("access", { ...(await userClaims(user)), sid }, String(user.id), jti, accessTokenTtl);
      return { token, jti, exp };
    },

    async mintRefresh(user, sid, accessJti) {
      const jti = crypto.randomUUID();
      const { token, exp } = await codec.sign("refresh", { sid }, String(user.id), jti, refreshTokenTtl);
      await store?.save({ id: jti, userId: String(user.id), familyId: sid, accessJti, expiresAt: new Date(exp * 1000) });
      return token;
    },

    async issue(c, userId) {
      const user = await options.getUserById(userId);
      if (!user) throw new Error(`jwt: cannot issue tokens, user '${userId}' not found`);
      // Rotation: the refresh token this browser already holds stops working before a new one exists.
      await revokeIncoming(c);
      const sid = crypto.randomUUID();
      const access = await core.mintAccess(user, sid);
      const refreshToken = await core.mintRefresh(user, sid, access.jti);
      cookie.set(c, refreshToken);
      return { user, accessToken: access.token, refreshToken, expiresIn: accessTokenTtl, expiresAt: new Date(access.exp * 1000) };
    },

    async logout(c) {
      try {
        await revokeIncoming(c);
        // A bearer-only client (no cookie) ends its login family too.
        const bearer = await codec.verify(core.bearer(c), "access");
        if (store && bearer.ok && bearer.payload.sid) {
          const family = bearer.payload.sid;
          for (const record of await store.listByUser(bearer.payload.sub)) if (record.familyId === family) await store.delete(record.id);
        }
      } catch {
        // Logout never fails: the cookie is cleared regardless.
      }
      cookie.clear(c);
    },

    async revoke(c, identity) {
      if (store && identity.refreshToken) {
        const minted = await codec.verify(identity.refreshToken, "refresh");
        if (minted.ok) await store.delete(minted.payload.jti);
      }
      cookie.clear(c);
    },

    async invalidateUserSessions(userId, exceptSessionId) {
      return store ? revokeUserTokens(store, userId, exceptSessionId) : 0;
    },
  };

  async function revokeIncoming(c: Context): Promise<void> {
    if (!store) return;
    const incoming = await codec.verify(cookie.read(c), "refresh");
    if (incoming.ok) await store.delete(incoming.payload.jti);
  }

  return core;
}
