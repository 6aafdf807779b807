/**
 * Rate limiting (`covara/middleware/rateLimit` in the reference): fixed and sliding windows over
 * the KV port, the client-address helper and the reference's presets.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { createRateLimiter } from "./fixed-window.js";
import { defaultKey, type RateLimitConfig } from "./options.js";

export { createRateLimiter, rateLimit, createResourceRateLimiter } from "./fixed-window.js";
export { createSlidingWindowRateLimiter } from "./sliding-window.js";
export { getClientIP, defaultSocketAddress, type SocketAddressFn } from "./client-ip.js";
export { RATE_LIMIT_PREFIX, DEFAULT_RATE_LIMIT_MESSAGE, type RateLimitConfig, type ResourceRateLimitConfig } from "./options.js";

/** The reference's presets, as `{ windowMs, maxRequests }`. */
export const rateLimitPresets = {
  standard: { windowMs: 60_000, maxRequests: 100 },
  strict: { windowMs: 60_000, maxRequests: 20 },
  lenient: { windowMs: 60_000, maxRequests: 1000 },
  auth: { windowMs: 60_000, maxRequests: 5 },
  subscription: { windowMs: 60_000, maxRequests: 10 },
} as const satisfies Record<string, Pick<RateLimitConfig, "windowMs" | "maxRequests">>;

/** Operations of `createOperationRateLimiter`. */
export type RateLimitedOperation = "read" | "create" | "update" | "delete" | "subscribe";

/**
 * One limiter per operation, each with its own counters (keys prefixed `<name>:<op>`); an
 * operation without a config passes through.
 * @example
 * const limit = createOperationRateLimiter("posts", { create: rateLimitPresets.strict });
 * app.post("/api/posts", limit("create"), handler);
 */
export function createOperationRateLimiter(
  name: string,
  configs: Partial<Record<RateLimitedOperation, RateLimitConfig>>,
): (operation: RateLimitedOperation) => MiddlewareHandler {
  const limiters = new Map<RateLimitedOperation, MiddlewareHandler>();
  for (const [op, config] of Object.entries(configs) as [RateLimitedOperation, RateLimitConfig | undefined][]) {
    if (!config) continue;
    const keyGenerator = config.keyGenerator;
    limiters.set(
      op,
      createRateLimiter({
        ...config,
        keyGenerator: async (c) => `${name}:${op}:${keyGenerator ? await keyGenerator(c) : defaultKey(c, config.getSocketAddress)}`,
      }),
    );
  }
  const passThrough: MiddlewareHandler = (_c, next) => next();
  return (operation) => limiters.get(operation) ?? passThrough;
}
