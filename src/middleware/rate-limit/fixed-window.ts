/**
 * Fixed-window rate limiting (spec 70 §2): one atomic `store.hit` per request, so counting is
 * exact under concurrency on every backend (the reference's read-modify-write lost updates).
 * Rejected requests count too, as in the reference.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { KvStore } from "../../ports/kv-store.js";
import { setResponseHeaders } from "../headers.js";
import { kvFor } from "../kv-context.js";
import { createLocalStore } from "../local-store.js";
import {
  defaultKey,
  rateLimitHeaders,
  rateLimited,
  storeKey,
  validateRateLimitConfig,
  type RateLimitConfig,
  type ResourceRateLimitConfig,
} from "./options.js";

type HitStore = Pick<KvStore, "hit">;

function isHitStore(store: unknown): store is HitStore {
  return typeof (store as HitStore | undefined)?.hit === "function";
}

/** Builds the limiter; `scope` namespaces its keys (the resource name for per-resource limits). */
function fixedWindow(config: RateLimitConfig, scope?: string): MiddlewareHandler {
  validateRateLimitConfig(config);
  if (config.store !== undefined && !isHitStore(config.store)) {
    throw new TypeError("rateLimit: store must implement hit(key, windowMs) (a KvStore)");
  }
  const { windowMs, maxRequests } = config;
  const now = config.now ?? Date.now;
  // Created once per limiter, used only when neither the config, the app nor the process has a store.
  let fallback: HitStore | undefined;
  const storeFor = (c: Parameters<MiddlewareHandler>[0]): HitStore =>
    (config.store as HitStore | undefined) ?? kvFor(c) ?? (fallback ??= createLocalStore(now));

  return async (c, next) => {
    if (config.skip && (await config.skip(c))) return next();
    const key = await storeKey(scope, config.keyGenerator ? await config.keyGenerator(c) : defaultKey(c, config.getSocketAddress));
    const { count, resetAt } = await storeFor(c).hit(key, windowMs);
    const headers = rateLimitHeaders(maxRequests, count, resetAt);
    if (count > maxRequests) throw rateLimited(config, resetAt, now(), headers);
    await next();
    if (config.headers !== false) setResponseHeaders(c, Object.entries(headers));
  };
}

/**
 * Fixed-window rate limiting: at most `maxRequests` per `windowMs` per key, then 429
 * `rate-limit-exceeded` with `Retry-After`. Throws at creation on an invalid config.
 * @example app.use("/api/*", createRateLimiter({ windowMs: 60_000, maxRequests: 100 }));
 */
export function createRateLimiter(config: RateLimitConfig): MiddlewareHandler {
  return fixedWindow(config);
}

/**
 * Alias of `createRateLimiter` (middleware factories are lowerCamel nouns).
 * @example app.use("/api/login", rateLimit({ windowMs: 60_000, maxRequests: 5 }));
 */
export const rateLimit: (config: RateLimitConfig) => MiddlewareHandler = createRateLimiter;

/**
 * A fixed-window limiter whose keys are prefixed with `name`, so limiters with different names
 * never share a counter. Defaults: 100 requests per 60 s. This is what a resource's `rateLimit`
 * option installs, with the resource name.
 * @example app.use("/api/search/*", createResourceRateLimiter("search", { maxRequests: 30 }));
 */
export function createResourceRateLimiter(name: string, config: ResourceRateLimitConfig = {}): MiddlewareHandler {
  if (typeof name !== "string" || name === "") throw new TypeError("rateLimit: resource name must be a non-empty string");
  return fixedWindow({ ...config, windowMs: config.windowMs ?? 60_000, maxRequests: config.maxRequests ?? 100 }, name);
}
