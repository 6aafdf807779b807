/**
 * The session cookie: HttpOnly, SameSite=Lax, Path=/, and Secure over https or in production
 * unless the app overrides it (spec 40 §5 [dev]: Covara looked at NODE_ENV only, so its cookies
 * on Workers were never Secure).
 * @module
 */
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { isProduction } from "../../env/runtime-env.js";

/** Attributes an app may change on a session cookie; HttpOnly is not optional. */
export interface SessionCookieOptions {
  /** Default: true when the request URL is `https:` or `NODE_ENV` is `production`. */
  secure?: boolean;
  /** Default `"lax"`. `"none"` requires `secure`. */
  sameSite?: "lax" | "strict" | "none";
  /** Default `"/"`. */
  path?: string;
  domain?: string;
  /**
   * Milliseconds; adds `Max-Age` next to `Expires` (the legacy `useAuth.cookieOptions.maxAge`
   * path). Omitted: the cookie lives exactly as long as the session.
   */
  maxAge?: number;
}

/** Whether a request counts as secure for cookies: `https:` URL, or production (process env or the Worker's vars). */
export function isSecureRequest(c: Context): boolean {
  if (c.req.url.startsWith("https:")) return true;
  return isProduction() || (c.env as Record<string, unknown> | undefined)?.NODE_ENV === "production";
}

const SAME_SITE = { lax: "Lax", strict: "Strict", none: "None" } as const;

/** Sets the session cookie to `value`, expiring with the session. */
export function setSessionCookie(c: Context, name: string, value: string, expiresAt: Date, options: SessionCookieOptions = {}): void {
  setCookie(c, name, value, {
    httpOnly: true,
    sameSite: SAME_SITE[options.sameSite ?? "lax"],
    path: options.path ?? "/",
    secure: options.secure ?? isSecureRequest(c),
    expires: expiresAt,
    ...(options.domain ? { domain: options.domain } : {}),
    // Hono takes Max-Age in seconds; the option is milliseconds (spec 40 §5 units).
    ...(options.maxAge !== undefined ? { maxAge: Math.max(0, Math.floor(options.maxAge / 1000)) } : {}),
  });
}

/** Expires the session cookie in the browser (same path/domain it was set with). */
export function clearSessionCookie(c: Context, name: string, options: SessionCookieOptions = {}): void {
  deleteCookie(c, name, {
    httpOnly: true,
    sameSite: SAME_SITE[options.sameSite ?? "lax"],
    path: options.path ?? "/",
    secure: options.secure ?? isSecureRequest(c),
    ...(options.domain ? { domain: options.domain } : {}),
  });
}
