/**
 * Security headers (spec 30 §8): set after the handler, only where the response has not set
 * them, on every response including errors and streams. CSP is opt-in.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { isProduction } from "../env/runtime-env.js";

/** Options; `false` omits a header. */
export interface SecurityHeadersOptions {
  contentTypeOptions?: boolean;
  frameOptions?: "DENY" | "SAMEORIGIN" | false;
  referrerPolicy?: string | false;
  dnsPrefetchControl?: boolean;
  crossOriginOpenerPolicy?: string | false;
  hsts?: { maxAge?: number; includeSubDomains?: boolean; preload?: boolean } | false;
  contentSecurityPolicy?: string;
}

/** A CSP for JSON-only APIs. It blocks the admin UI and htmx pages served by the same app. */
export const STRICT_API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** Creates the security-headers middleware. */
export function createSecurityHeaders(options: SecurityHeadersOptions = {}): MiddlewareHandler {
  const fixed: [string, string][] = [];
  if (options.contentTypeOptions !== false) fixed.push(["X-Content-Type-Options", "nosniff"]);
  if (options.frameOptions !== false) fixed.push(["X-Frame-Options", options.frameOptions ?? "DENY"]);
  if (options.referrerPolicy !== false) fixed.push(["Referrer-Policy", options.referrerPolicy ?? "strict-origin-when-cross-origin"]);
  if (options.dnsPrefetchControl !== false) fixed.push(["X-DNS-Prefetch-Control", "off"]);
  if (options.crossOriginOpenerPolicy !== false) fixed.push(["Cross-Origin-Opener-Policy", options.crossOriginOpenerPolicy ?? "same-origin"]);
  if (options.contentSecurityPolicy) fixed.push(["Content-Security-Policy", options.contentSecurityPolicy]);
  let hsts: string | undefined;
  if (options.hsts !== false) {
    const { maxAge = 15552000, includeSubDomains = true, preload = false } = options.hsts ?? {};
    hsts = `max-age=${maxAge}${includeSubDomains ? "; includeSubDomains" : ""}${preload ? "; preload" : ""}`;
  }

  return async (c, next) => {
    await next();
    let headers = c.res.headers;
    try {
      headers.set("x-covara-probe", "1");
      headers.delete("x-covara-probe");
    } catch {
      // Responses from fetch() have immutable headers: copy once.
      c.res = new Response(c.res.body, c.res);
      headers = c.res.headers;
    }
    for (const [name, value] of fixed) if (!headers.has(name)) headers.set(name, value);
    if (hsts && !headers.has("Strict-Transport-Security") && (c.req.url.startsWith("https:") || isProduction())) {
      headers.set("Strict-Transport-Security", hsts);
    }
  };
}
