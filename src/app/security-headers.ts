/**
 * Security headers (spec 30 §8): set after the handler, only where the response has not set
 * them, on every response including errors and streams. CSP is opt-in.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { isProduction } from "../env/runtime-env.js";
import { setResponseHeaders } from "../middleware/headers.js";

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

/** The part of Node's `ServerResponse` this middleware uses, duck-typed to keep src/ runtime-neutral. */
interface NodeLikeResponse {
  setHeader(name: string, value: string): unknown;
  headersSent: boolean;
}

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

  const productionProcess = isProduction();
  return async (c, next) => {
    const production = productionProcess || (c.env as Record<string, unknown> | undefined)?.NODE_ENV === "production";
    const outgoing = (c.env as { outgoing?: NodeLikeResponse } | undefined)?.outgoing;
    if (outgoing && typeof outgoing.setHeader === "function" && !outgoing.headersSent) {
      // On Node (@hono/node-server) headers set on the socket's response are merged under the
      // ones the route's Response carries, so the route still wins, and no Headers object has
      // to be built and read back for every response.
      for (const [name, value] of fixed) outgoing.setHeader(name, value);
      if (hsts && (production || c.req.url.startsWith("https:"))) outgoing.setHeader("Strict-Transport-Security", hsts);
      await next();
      return;
    }
    await next();
    const wanted: [string, string][] = [];
    for (const entry of fixed) if (!c.res.headers.has(entry[0])) wanted.push(entry);
    if (hsts && !c.res.headers.has("Strict-Transport-Security") && (production || c.req.url.startsWith("https:"))) {
      wanted.push(["Strict-Transport-Security", hsts]);
    }
    setResponseHeaders(c, wanted);
  };
}
