/**
 * `POST /refresh` (spec 40 §4): trades a refresh token (cookie first, else body `{ refreshToken }`)
 * for a new access token. Errors are plain JSON `{ error: { code, message } }`, as in Covara.
 * With a refresh store the token is single-use and a successor is issued.
 * @module
 */
import type { Context } from "hono";
import { readJsonBody } from "../../resource/input.js";
import type { AuthUser } from "../types.js";
import type { JwtCore } from "./core.js";

/** Error codes of `POST /refresh`. */
export type RefreshErrorCode = "NO_REFRESH_TOKEN" | "TOKEN_REVOKED" | "USER_NOT_FOUND" | "REFRESH_TOKEN_EXPIRED" | "INVALID_REFRESH_TOKEN";

/** Called after a successful refresh (e.g. to audit or stamp activity). */
export type OnTokenRefresh = (user: AuthUser, c: Context) => void | Promise<void>;

const BODY_LIMIT = 64 * 1024;

function refreshError(c: Context, status: 400 | 401, code: RefreshErrorCode, message: string): Response {
  return c.json({ error: { code, message } }, status);
}

async function bodyToken(c: Context): Promise<unknown> {
  try {
    const body = await readJsonBody(c, BODY_LIMIT);
    return typeof body === "object" && body !== null ? (body as { refreshToken?: unknown }).refreshToken : undefined;
  } catch {
    return undefined; // malformed or oversized: no token could be read
  }
}

/** What redeeming a refresh token yields. */
export type Redeemed =
  | { ok: true; user: AuthUser; accessToken: string; accessExp: number; refreshToken?: string }
  | { ok: false; code: Exclude<RefreshErrorCode, "NO_REFRESH_TOKEN">; message: string };

/** Verifies a refresh token, consumes it when there is a store, and mints its successors. */
export async function redeemRefreshToken(core: JwtCore, token: string): Promise<Redeemed> {
  const outcome = await core.codec.verify(token, "refresh");
  if (!outcome.ok) {
    return outcome.reason === "expired"
      ? { ok: false, code: "REFRESH_TOKEN_EXPIRED", message: "Refresh token has expired" }
      : { ok: false, code: "INVALID_REFRESH_TOKEN", message: "Invalid refresh token" };
  }
  const { payload } = outcome;
  if (core.store) {
    // Atomic get-and-delete: of two concurrent redemptions exactly one gets the record.
    const record = await core.store.consume(payload.jti);
    if (!record || record.userId !== payload.sub) return { ok: false, code: "TOKEN_REVOKED", message: "Refresh token has been revoked" };
  }
  const user = await core.getUserById(payload.sub);
  if (!user) return { ok: false, code: "USER_NOT_FOUND", message: "User not found" };
  const sid = payload.sid ?? crypto.randomUUID();
  const access = await core.mintAccess(user, sid);
  // Without a store the presented token stays valid until it expires, so no successor is minted.
  const refreshToken = core.store ? await core.mintRefresh(user, sid, access.jti) : undefined;
  return { ok: true, user, accessToken: access.token, accessExp: access.exp, ...(refreshToken ? { refreshToken } : {}) };
}

/** Handles one `POST /refresh`. */
export async function handleRefresh(core: JwtCore, c: Context, onRefresh?: OnTokenRefresh): Promise<Response> {
  const fromCookie = core.cookie.read(c);
  const token = fromCookie ?? (await bodyToken(c));
  if (typeof token !== "string" || token === "") return refreshError(c, 400, "NO_REFRESH_TOKEN", "Refresh token is required");

  const redeemed = await redeemRefreshToken(core, token);
  if (!redeemed.ok) {
    // A cookie that can never work again is dropped so the browser stops sending it.
    if (fromCookie !== undefined) core.cookie.clear(c);
    return refreshError(c, 401, redeemed.code, redeemed.message);
  }
  if (redeemed.refreshToken !== undefined && fromCookie !== undefined) core.cookie.set(c, redeemed.refreshToken);
  if (onRefresh) await onRefresh(redeemed.user, c);
  // A body-token client gets its successor in the body; a cookie client keeps it HttpOnly.
  return c.json({
    accessToken: redeemed.accessToken,
    expiresIn: core.accessTokenTtl,
    tokenType: "Bearer" as const,
    ...(redeemed.refreshToken !== undefined && fromCookie === undefined ? { refreshToken: redeemed.refreshToken } : {}),
  });
}
