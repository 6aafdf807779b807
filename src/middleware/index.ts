/**
 * The middleware layer: rate limiting, idempotency, versioning and observability, plus the
 * app/global KV resolution they share. One folder per middleware.
 * @module
 */
export * from "./rate-limit/index.js";
export { idempotencyMiddleware, type IdempotencyConfig, type IdempotencyStore } from "./idempotency/index.js";
export { MAX_IDEMPOTENCY_KEY_LENGTH, IDEMPOTENCY_PREFIX, IdempotencyInProgressError, IdempotencyStoreUnavailableError } from "./idempotency/record.js";
export * from "./versioning/index.js";
export * from "./observability/index.js";
export { setGlobalKV, getGlobalKV, hasGlobalKV, clearGlobalKV, kvFor } from "./kv-context.js";
