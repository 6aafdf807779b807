/**
 * Sliding-window rate limiting (spec 70 §2), exact on the KV port: the timestamps of the
 * requests admitted in the last `windowMs` are one JSON value, replaced with `compareAndSet`
 * (read, decide, swap; retry on a lost race). Every admission is linearised by its swap and every
 * rejection by its read, so no more than `maxRequests` are ever admitted per window, on any backend.
 * Under extreme contention a request that loses the race too often is rejected (fails closed).
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import type { KvStore } from "../../ports/kv-store.js";
import { setResponseHeaders } from "../headers.js";
import { kvFor } from "../kv-context.js";
import { createLocalStore } from "../local-store.js";
import { checkPositiveInteger, defaultKey, rateLimitHeaders, rateLimited, storeKey, validateRateLimitConfig, type RateLimitConfig } from "./options.js";

type SwapStore = Pick<KvStore, "get" | "compareAndSet">;

/** Each admitted request costs ~14 bytes of value: this keeps a key far below the 1 MiB value limit. */
const MAX_SLIDING_REQUESTS = 10_000;
/** Attempts before a request that keeps losing the swap race is rejected. */
const MAX_ATTEMPTS = 64;

function isSwapStore(store: unknown): store is SwapStore {
  const s = store as SwapStore | undefined;
  return typeof s?.get === "function" && typeof s.compareAndSet === "function";
}

function parseStamps(raw: string | null): number[] {
  if (raw === null) return [];
  try {
    const value: unknown = JSON.parse(raw);
    return Array.isArray(value) ? value.filter((n): n is number => typeof n === "number" && Number.isFinite(n)) : [];
  } catch {
    return []; // A corrupt value is replaced by the next successful swap.
  }
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Decision {
  allowed: boolean;
  count: number;
  resetAt: number;
}

async function decide(store: SwapStore, key: string, windowMs: number, max: number, now: () => number): Promise<Decision> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // Jittered backoff after a lost race spreads the contenders out instead of re-colliding.
    if (attempt > 0) await pause(Math.random() * Math.min(2 ** attempt, 25));
    const raw = await store.get(key);
    const at = now();
    const live = parseStamps(raw).filter((t) => t > at - windowMs).sort((a, b) => a - b);
    if (live.length >= max) return { allowed: false, count: live.length + 1, resetAt: live[0]! + windowMs };
    const next = [...live, at];
    if (await store.compareAndSet(key, raw, JSON.stringify(next), { ttlMs: windowMs })) {
      return { allowed: true, count: next.length, resetAt: next[0]! + windowMs };
    }
  }
  return { allowed: false, count: max + 1, resetAt: now() + 1000 };
}

/**
 * Sliding-window rate limiting: at most `maxRequests` admitted in any `windowMs` span per key.
 * Only admitted requests are recorded, so a client that keeps retrying is not locked out forever;
 * on rejection `Retry-After` and `X-RateLimit-Reset` derive from the oldest timestamp in the
 * window. `maxRequests` is capped at 10,000. The store needs `get` and `compareAndSet`.
 * @example app.use("/api/*", createSlidingWindowRateLimiter({ windowMs: 60_000, maxRequests: 100 }));
 */
export function createSlidingWindowRateLimiter(config: RateLimitConfig): MiddlewareHandler {
  validateRateLimitConfig(config);
  checkPositiveInteger("maxRequests", config.maxRequests, MAX_SLIDING_REQUESTS);
  if (config.store !== undefined && !isSwapStore(config.store)) {
    throw new TypeError("rateLimit: a sliding-window store must implement get and compareAndSet (a KvStore)");
  }
  const { windowMs, maxRequests } = config;
  const now = config.now ?? Date.now;
  let fallback: SwapStore | undefined;
  const storeFor = (c: Context): SwapStore => (config.store as SwapStore | undefined) ?? kvFor(c) ?? (fallback ??= createLocalStore(now));

  return async (c, next) => {
    if (config.skip && (await config.skip(c))) return next();
    const id = config.keyGenerator ? await config.keyGenerator(c) : defaultKey(c, config.getSocketAddress);
    const key = await storeKey("sliding", id);
    const { allowed, count, resetAt } = await decide(storeFor(c), key, windowMs, maxRequests, now);
    const headers = rateLimitHeaders(maxRequests, count, resetAt);
    if (!allowed) throw rateLimited(config, resetAt, now(), headers);
    await next();
    if (config.headers !== false) setResponseHeaders(c, Object.entries(headers));
  };
}
