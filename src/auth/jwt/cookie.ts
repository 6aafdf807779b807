/**
 * The refresh-token cookie (spec 40 §5): HttpOnly, SameSite=Strict, Path=/, Max-Age = refresh TTL,
 * and Secure over https or in production unless overridden.
 * @module
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { isProduction } from "../../env/runtime-env.js";

/** Overrides for the refresh cookie. */
export interface RefreshCookieOptions {
  /** Default: true for `https:` requests or `NODE_ENV=production` (process or Worker vars). */
  secure?: boolean;
  domain?: string;
}

/** Whether a cookie on this request gets `Secure` by default. */
export function secureByDefault(c: Context): boolean {
  if (isProduction() || (c.env as Record<string, unknown> | undefined)?.NODE_ENV === "production") return true;
  return new URL(c.req.url).protocol === "https:";
}

/** Reads, sets and clears the refresh cookie of one configuration. */
export interface RefreshCookie {
  read(c: Context): string | undefined;
  set(c: Context, token: string): void;
  clear(c: Context): void;
}

/** Builds the refresh cookie helper. */
export function refreshCookie(name: string, maxAgeSeconds: number, options: RefreshCookieOptions = {}): RefreshCookie {
  const attributes = (c: Context) => ({
    httpOnly: true,
    sameSite: "Strict" as const,
    path: "/",
    secure: options.secure ?? secureByDefault(c),
    ...(options.domain ? { domain: options.domain } : {}),
  });
  return {
    read: (c) => getCookie(c, name) || undefined,
    set: (c, token) => setCookie(c, name, token, { ...attributes(c), maxAge: maxAgeSeconds }),
    clear: (c) => {
      deleteCookie(c, name, attributes(c));
    },
  };
}
