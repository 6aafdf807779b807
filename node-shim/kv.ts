/**
 * `covara/kv`: the KV port, its three backends and `createKV`. Loads on Node and on Workers: the
 * Redis backend (and ioredis) is imported only when `createKV({ type: "redis" })` or
 * `createRedisKV` runs, through a specifier bundlers do not follow, so a Worker bundle that
 * uses memory or Durable Object KV never contains ioredis. Node apps that bundle their server
 * import `covara/kv/redis` instead.
 * @module
 */
import type { KvStore } from "../src/ports/kv-store.js";
import { createDurableObjectKV, type DurableObjectKvOptions, type KvObjectNamespace } from "../durable-objects/kv-client.js";
import { createMemoryKV, type MemoryKvOptions } from "./memory/kv-store.js";
import { setGlobalKV } from "../src/middleware/kv-context.js";
import type { RedisKvOptions, RedisKvStore } from "./redis/kv-store.js";

export { KvError, KV_LIMITS } from "../src/ports/kv-store.js";
export type { KvErrorCode, KvIncrementOptions, KvListPage, KvSetOptions, KvStore, KvWindowHit } from "../src/ports/kv-store.js";
export { createMemoryKV, MemoryKvStore, type MemoryKvOptions } from "./memory/kv-store.js";
export { createDurableObjectKV, DurableObjectKvStore, type DurableObjectKvOptions, type KvObjectNamespace } from "../durable-objects/kv-client.js";
export type { RedisKvOptions, RedisKvStore } from "./redis/kv-store.js";

/** Configuration of `createKV`: the backend and its options. */
export type KvConfig =
  | { type: "memory"; memory?: MemoryKvOptions; prefix?: string }
  | { type: "redis"; redis: RedisKvOptions; prefix?: string }
  | { type: "durable-object"; durableObject: DurableObjectKvOptions & { namespace: KvObjectNamespace }; prefix?: string };

// Built at run time so esbuild (wrangler) leaves the import alone instead of bundling ioredis.
const redisModule = ["./redis", "kv-store.js"].join("/");

/**
 * Opens a Redis KV (see `covara/kv/redis`), loading ioredis on first use.
 * @example
 * ```ts
 * const kv = await createRedisKV({ url: process.env.REDIS_URL });
 * ```
 */
export async function createRedisKV(options?: RedisKvOptions): Promise<RedisKvStore> {
  const mod = (await import(/* @vite-ignore */ redisModule)) as typeof import("./redis/kv-store.js");
  return mod.createRedisKV(options);
}

/**
 * Builds the KV store for `config.type`. Redis is connected before this resolves. `prefix` (top
 * level, or the backend's own) stores keys as `<prefix>:<key>`; memory stores are private to
 * their process, so they take no prefix.
 * @example
 * ```ts
 * import { createKV } from "covara/kv";
 * const kv = await createKV({ type: "redis", redis: { url: "redis://localhost" } });
 * // on Workers:
 * const kv = await createKV({ type: "durable-object", durableObject: { namespace: env.COVARA_KV } });
 * ```
 */
export async function createKV(config: KvConfig): Promise<KvStore> {
  switch (config?.type) {
    case "memory":
      return createMemoryKV(config.memory);
    case "redis":
      if (!config.redis) throw new TypeError('createKV: type "redis" needs a `redis` option ({ url } or { client })');
      return createRedisKV({ ...config.redis, prefix: config.prefix ?? config.redis.prefix });
    case "durable-object": {
      const options = config.durableObject;
      if (!options?.namespace) throw new TypeError('createKV: type "durable-object" needs `durableObject.namespace` (e.g. env.COVARA_KV)');
      return createDurableObjectKV(options.namespace, { ...options, prefix: config.prefix ?? options.prefix });
    }
    default:
      throw new TypeError(`createKV: unknown type ${JSON.stringify((config as { type?: unknown })?.type)}`);
  }
}

export { setGlobalKV, getGlobalKV, hasGlobalKV, clearGlobalKV } from "../src/middleware/kv-context.js";

/**
 * `createKV` + `setGlobalKV`: the README's one-call setup for apps that rely on the default store.
 * Prefer `createCovara({ kv })`, which keeps the store with the app.
 * @example
 * ```ts
 * await initializeKV({ type: "redis", redis: { url: process.env.REDIS_URL } });
 * ```
 */
export async function initializeKV(config: KvConfig): Promise<KvStore> {
  const store = await createKV(config);
  setGlobalKV(store);
  return store;
}
