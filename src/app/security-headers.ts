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

/**
 * The headers to send, computed once from the options, and how to apply them to one response:
 * on Node before the handler runs (onto the socket's response, under the route's own headers),
 * elsewhere after it (only where the response has not set them).
 */
export interface SecurityHeaderPlan {
  /** Node: sets the headers on the outgoing socket response; false when there is none. */
  beforeNode(env: unknown): boolean;
  /** The headers `response` still lacks. */
  missing(response: Response, env: unknown, url: string): [string, string][];
}

/** Builds the plan of `options`. */
export function securityHeaderPlan(options: SecurityHeadersOptions = {}): SecurityHeaderPlan {
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
  const wantsHsts = (env: unknown, url: string) =>
    hsts !== undefined && (productionProcess || (env as Record<string, unknown> | undefined)?.NODE_ENV === "production" || url.startsWith("https:"));
  return {
    beforeNode(env) {
      const outgoing = (env as { outgoing?: NodeLikeResponse } | undefined)?.outgoing;
      if (!outgoing || typeof outgoing.setHeader !== "function" || outgoing.headersSent) return false;
      // On Node (@hono/node-server) headers set on the socket's response are merged under the
      // ones the route's Response carries, so the route still wins, and no Headers object has
      // to be built and read back for every response.
      for (const [name, value] of fixed) outgoing.setHeader(name, value);
      // HTTPS on Node is the socket's own fact: reading `url` would build it on every request.
      const encrypted = (env as { incoming?: { socket?: { encrypted?: boolean } } }).incoming?.socket?.encrypted === true;
      if (hsts !== undefined && (encrypted || wantsHsts(env, ""))) outgoing.setHeader("Strict-Transport-Security", hsts);
      return true;
    },
    missing(response, env, url) {
      const wanted: [string, string][] = [];
      for (const entry of fixed) if (!response.headers.has(entry[0])) wanted.push(entry);
      if (!response.headers.has("Strict-Transport-Security") && wantsHsts(env, url)) wanted.push(["Strict-Transport-Security", hsts!]);
      return wanted;
    },
  };
}

/** Creates the security-headers middleware. */
export function createSecurityHeaders(options: SecurityHeadersOptions = {}): MiddlewareHandler {
  const plan = securityHeaderPlan(options);
  return async (c, next) => {
    if (plan.beforeNode(c.env)) {
      await next();
      return;
    }
    await next();
    setResponseHeaders(c, plan.missing(c.res, c.env, c.req.url));
  };
}
