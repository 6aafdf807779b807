/**
 * Options shared by the fixed- and sliding-window limiters: validation at creation (a typo in a
 * limit must fail at startup, not silently disable the limit), key building and header values.
 * @module
 */
import type { Context } from "hono";
import { RateLimitError } from "../../errors/problem.js";
import { KV_LIMITS, type KvStore } from "../../ports/kv-store.js";
import { sha256Hex } from "../../util/sha256.js";
import { getClientIP, type SocketAddressFn } from "./client-ip.js";

/** Options of `createRateLimiter` / `createSlidingWindowRateLimiter`. */
export interface RateLimitConfig {
  /** Window length in ms: a positive integer up to 366 days. */
  windowMs: number;
  /** Requests allowed per window and key: a positive integer. */
  maxRequests: number;
  /** The counter key; default `user:<id>` when `c.get("user")` is set, else `ip:<getClientIP(c)>`. */
  keyGenerator?: (c: Context) => string | Promise<string>;
  /** Requests for which this returns true are neither counted nor limited. */
  skip?: (c: Context) => boolean | Promise<boolean>;
  /** The 429 problem's `detail`. Default "Too many requests, please try again later". */
  message?: string;
  /** Send `X-RateLimit-*` headers. Default true. */
  headers?: boolean;
  /** Counter store; default the app's KV (`c.get("kv")`), else the global KV, else a private in-memory counter. */
  store?: Pick<KvStore, "hit"> | Pick<KvStore, "get" | "compareAndSet">;
  /** Socket address for the default key when no forwarding header is present. */
  getSocketAddress?: SocketAddressFn;
  /** Clock in epoch ms (tests inject one); must agree with the store's clock. */
  now?: () => number;
}

/** Settings of a per-resource limit (`.resource(..., { rateLimit })`); windowMs 60000 and maxRequests 100 by default. */
export type ResourceRateLimitConfig = Partial<RateLimitConfig>;

/** Prefix of every rate-limit key (kept from the reference so the admin KV inspector reads the same). */
export const RATE_LIMIT_PREFIX = "covara:ratelimit:";

/** Default 429 detail. */
export const DEFAULT_RATE_LIMIT_MESSAGE = "Too many requests, please try again later";

/** Keys longer than this are hashed so that any key generator stays within the store's key limit. */
const MAX_PLAIN_KEY = 256;

/** Throws unless `value` is a positive safe integer no larger than `max`. */
export function checkPositiveInteger(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0 || value > max) {
    throw new TypeError(`rateLimit: ${name} must be a positive integer${max < Number.MAX_SAFE_INTEGER ? ` no larger than ${max}` : ""}, got ${String(value)}`);
  }
  return value;
}

/** Checks a config at creation time. */
export function validateRateLimitConfig(config: RateLimitConfig): void {
  if (typeof config !== "object" || config === null) throw new TypeError("rateLimit: config must be an object");
  checkPositiveInteger("windowMs", config.windowMs, KV_LIMITS.maxTtlMs);
  checkPositiveInteger("maxRequests", config.maxRequests);
  for (const name of ["keyGenerator", "skip", "getSocketAddress", "now"] as const) {
    if (config[name] !== undefined && typeof config[name] !== "function") throw new TypeError(`rateLimit: ${name} must be a function`);
  }
}

/** The default key: the signed-in user, else the client address. */
export function defaultKey(c: Context, socketAddress?: SocketAddressFn): string {
  const user = c.get("user" as never) as { id?: unknown } | null | undefined;
  if (user && user.id !== undefined && user.id !== null) return `user:${String(user.id)}`;
  return `ip:${getClientIP(c, socketAddress)}`;
}

/** `covara:ratelimit:[<scope>:]<key>`, with an over-long key replaced by its SHA-256. */
export async function storeKey(scope: string | undefined, key: string): Promise<string> {
  const plain = key.length > MAX_PLAIN_KEY ? `sha256:${await sha256Hex(key)}` : key;
  return `${RATE_LIMIT_PREFIX}${scope ? `${scope}:` : ""}${plain}`;
}

/** The `X-RateLimit-*` headers for a reading. */
export function rateLimitHeaders(limit: number, count: number, resetAt: number): Record<string, string> {
  return {
    "X-RateLimit-Limit": String(limit),
    "X-RateLimit-Remaining": String(Math.max(0, limit - count)),
    "X-RateLimit-Reset": String(Math.ceil(resetAt / 1000)),
  };
}

/** The 429 for a key over its limit; `Retry-After` is the real seconds until `resetAt` (at least 1). */
export function rateLimited(config: RateLimitConfig, resetAt: number, now: number, headers: Record<string, string>): RateLimitError {
  return new RateLimitError((resetAt - now) / 1000, config.headers === false ? {} : headers, config.message ?? DEFAULT_RATE_LIMIT_MESSAGE);
}
