/**
 * Signs and verifies the two token kinds of a JWT transport. Verification is pinned to the one
 * configured algorithm, requires `exp`, `sub` and `jti`, checks `iss`/`aud` when configured and the
 * `typ` claim ("access" | "refresh") so neither kind works where the other is expected (spec 40 §6.2).
 * @module
 */
import { errors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { Lru } from "../../util/lru.js";
import type { JwtAlgorithm, JwtKeys } from "./keys.js";

/** Which of the two token kinds. */
export type TokenKind = "access" | "refresh";

/** Longest token accepted (characters); anything longer is rejected before any parsing. */
export const DEFAULT_MAX_TOKEN_LENGTH = 8192;

/** Claim checks shared by both token kinds. */
export interface TokenCodecOptions {
  keys: JwtKeys;
  algorithm: JwtAlgorithm;
  issuer?: string;
  audience?: string | string[];
  /** Seconds of clock skew tolerated on `exp`/`iat`/`nbf`. */
  clockTolerance: number;
  maxTokenLength: number;
}

/** A verified token's payload. */
export interface VerifiedToken extends JWTPayload {
  sub: string;
  jti: string;
  exp: number;
  typ: TokenKind;
  sid?: string;
}

/** The outcome of verifying a token: `expired` only for an authentic token past its `exp`. */
export type VerifyOutcome = { ok: true; payload: VerifiedToken } | { ok: false; reason: "expired" | "invalid" };

/** A signed token and its expiry (epoch seconds). */
export interface SignedToken {
  token: string;
  exp: number;
}

/** Signs and verifies tokens of one configuration. */
export interface TokenCodec {
  sign(kind: TokenKind, claims: Record<string, unknown>, subject: string, jti: string, ttlSeconds: number): Promise<SignedToken>;
  verify(token: unknown, kind: TokenKind): Promise<VerifyOutcome>;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const JTI = /^[A-Za-z0-9_-]{1,128}$/;

/** Builds the codec; see `TokenCodecOptions`. */
export function createTokenCodec(options: TokenCodecOptions): TokenCodec {
  // An array audience is verified against its first element only (spec 40 §6.2).
  const audience = Array.isArray(options.audience) ? options.audience[0] : options.audience;
  // A client sends the same access token on every request until it expires; its signature and
  // claims cannot change, so a verified token only needs its expiry re-checked. Web Crypto's HMAC
  // on Node is a thread-pool round trip (~50 µs); this is a map lookup.
  const verifiedAccess = new Lru<string, VerifiedToken>(1024);
  const tolerance = options.clockTolerance ?? 0;

  return {
    async sign(kind, claims, subject, jti, ttlSeconds) {
      const { key, kid } = await options.keys.signingKey();
      const now = Math.floor(Date.now() / 1000);
      const exp = now + ttlSeconds;
      const jwt = new SignJWT({ ...claims, typ: kind })
        .setProtectedHeader({ alg: options.algorithm, typ: "JWT", ...(kid ? { kid } : {}) })
        .setSubject(subject)
        .setJti(jti)
        .setIssuedAt(now)
        .setExpirationTime(exp);
      if (options.issuer !== undefined) jwt.setIssuer(options.issuer);
      if (options.audience !== undefined) jwt.setAudience(options.audience);
      const token = await jwt.sign(key);
      if (token.length > options.maxTokenLength) {
        throw new Error(`jwt: issued ${kind} token is ${token.length} characters, over maxTokenLength (${options.maxTokenLength}); trim user metadata`);
      }
      return { token, exp };
    },

    async verify(token, kind) {
      // Cheap shape checks first: a 1 MB header costs one length comparison, not a base64 decode.
      if (typeof token !== "string" || token.length > options.maxTokenLength || !COMPACT_JWS.test(token)) return { ok: false, reason: "invalid" };
      const cached = kind === "access" ? verifiedAccess.get(token) : undefined;
      // A copy: the claims become the request's user, which app code may change.
      if (cached) return cached.exp > Date.now() / 1000 - tolerance ? { ok: true, payload: structuredClone(cached) } : { ok: false, reason: "expired" };
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, (await options.keys.verificationKey()) as Parameters<typeof jwtVerify>[1], {
          algorithms: [options.algorithm],
          requiredClaims: ["exp", "sub", "jti"],
          clockTolerance: options.clockTolerance,
          ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
          ...(audience !== undefined ? { audience } : {}),
        }));
      } catch (error) {
        return { ok: false, reason: error instanceof errors.JWTExpired ? "expired" : "invalid" };
      }
      if (payload.typ !== kind || typeof payload.sub !== "string" || payload.sub === "" || typeof payload.jti !== "string" || !JTI.test(payload.jti)) {
        return { ok: false, reason: "invalid" };
      }
      if (typeof payload.exp !== "number" || (payload.sid !== undefined && (typeof payload.sid !== "string" || !JTI.test(payload.sid)))) {
        return { ok: false, reason: "invalid" };
      }
      if (kind === "access") verifiedAccess.set(token, structuredClone(payload) as VerifiedToken);
      return { ok: true, payload: payload as VerifiedToken };
    },
  };
}
