/**
 * CSRF protection by double-submit cookie (spec 40 §12). Safe requests receive a token cookie
 * (readable by the page's script); unsafe ones must echo it in a header, compared in constant
 * time. Requests with an `Authorization` header are exempt: a browser cannot attach one
 * cross-site without a CORS preflight — so never pair credentialed CORS with reflected origins.
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { ForbiddenError } from "../errors/problem.js";
import { bytesToBase64url } from "../util/base64url.js";
import { timingSafeEqual } from "./constant-time.js";
import { isSecureRequest } from "./sessions/cookies.js";

/** `csrf` options. */
export interface CsrfOptions {
  /** Default `"csrf_token"`. */
  cookieName?: string;
  /** Default `"X-CSRF-Token"`. */
  headerName?: string;
  /** Random bytes per token. Default 32. */
  tokenLength?: number;
  cookieOptions?: {
    /** Default: true over `https:` or in production. */
    secure?: boolean;
    /** Default `"lax"`. */
    sameSite?: "lax" | "strict" | "none";
    /** Default `"/"`. */
    path?: string;
    domain?: string;
    /** Seconds; unset = a browser-session cookie. */
    maxAge?: number;
  };
  /** Exempts a request when true (e.g. webhooks). */
  skip?(c: Context): boolean;
  /** Detail of the 403. Default "CSRF token validation failed". */
  message?: string;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);
const SAME_SITE = { lax: "Lax", strict: "Strict", none: "None" } as const;
/** Longest token accepted from a request, so comparison cost stays bounded. */
const MAX_TOKEN_CHARS = 512;

/** A fresh token: base64url of `length` (default 32) random bytes. */
export function generateCsrfToken(length = 32): string {
  if (!Number.isInteger(length) || length < 16 || length > 256) throw new RangeError("CSRF token length must be 16–256 bytes");
  return bytesToBase64url(crypto.getRandomValues(new Uint8Array(length)));
}

/** Sets a new token cookie on the response and returns the token (login paths rotate it). */
export function issueCsrfToken(c: Context, options: CsrfOptions = {}): string {
  const token = generateCsrfToken(options.tokenLength ?? 32);
  const cookie = options.cookieOptions ?? {};
  setCookie(c, options.cookieName ?? "csrf_token", token, {
    httpOnly: false, // the page's script reads it to echo it in the header
    sameSite: SAME_SITE[cookie.sameSite ?? "lax"],
    path: cookie.path ?? "/",
    secure: cookie.secure ?? isSecureRequest(c),
    ...(cookie.domain ? { domain: cookie.domain } : {}),
    ...(cookie.maxAge !== undefined ? { maxAge: cookie.maxAge } : {}),
  });
  return token;
}

/**
 * The double-submit check as middleware. `useAuth({ csrf })` mounts it on the auth router only;
 * mount it yourself in front of resources and custom routes that cookies authenticate.
 * @example app.use("/api/*", createCsrfMiddleware({ skip: (c) => c.req.path.startsWith("/api/webhooks") }));
 */
export function createCsrfMiddleware(options: CsrfOptions = {}): MiddlewareHandler {
  const cookieName = options.cookieName ?? "csrf_token";
  const headerName = options.headerName ?? "X-CSRF-Token";
  const message = options.message ?? "CSRF token validation failed";
  return async (c, next) => {
    if (SAFE.has(c.req.method)) {
      if (!getCookie(c, cookieName)) issueCsrfToken(c, options);
      return next();
    }
    if ((c.req.header("authorization") ?? "").trim() !== "" || options.skip?.(c)) return next();
    const cookie = getCookie(c, cookieName);
    const header = c.req.header(headerName);
    if (!cookie || !header || cookie.length > MAX_TOKEN_CHARS || !timingSafeEqual(cookie, header)) throw new ForbiddenError(message);
    return next();
  };
}
