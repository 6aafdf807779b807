/**
 * Redis KV (`covara/kv/redis`): the `KvStore` shared by every Node process on one Redis (≥ 7.0).
 * Single commands where Redis has one (GET, SET … PX/NX, DEL); Lua where an operation reads then
 * writes. Calls fail fast with `KvError("UNAVAILABLE")` while Redis is unreachable instead of
 * queueing, and the client reconnects on its own, so the app recovers without a restart.
 * Concurrent calls share round trips (ioredis auto-pipelining).
 * @module
 */
import { Redis, type RedisOptions } from "ioredis";
import { KvError, type KvIncrementOptions, type KvListPage, type KvSetOptions, type KvStore, type KvWindowHit } from "../../src/ports/kv-store.js";
import { compareKeys } from "../../src/kv/key-order.js";
import { checkIncrement, checkKey, checkList, checkTtl, checkValue } from "../../src/kv/validate.js";
import { COMPARE_AND_SET_SCRIPT, HIT_SCRIPT, INCREMENT_SCRIPT } from "./kv-scripts.js";
import { HUB_FACTORY, type HubBackend } from "../../src/realtime/types.js";
import { RedisHub } from "./hub.js";

/** Options of `createRedisKV`. */
export interface RedisKvOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). Default `redis://127.0.0.1:6379`. */
  url?: string;
  /**
   * An ioredis client to use instead of opening one. Its own options then apply (the fail-fast
   * defaults below do not), and `close()` leaves it open: whoever created it closes it.
   */
  client?: Redis;
  /** Stores keys as `<prefix>:<key>`, invisibly to callers. */
  prefix?: string;
  /** A call that gets no reply within this time fails with UNAVAILABLE. Default 2000 ms. */
  commandTimeoutMs?: number;
  /** Extra ioredis options (tls, password, db, …), applied over the defaults. */
  redisOptions?: RedisOptions;
  /** Receives connection errors (they also surface per call as `KvError("UNAVAILABLE")`). */
  onError?: (error: Error) => void;
}

/** The scripts registered on the client with `defineCommand` (EVALSHA, EVAL on NOSCRIPT). */
interface KvCommands {
  covaraKvIncrement(key: string, delta: string, ttlMs: string, min: string): Promise<string | null>;
  covaraKvCompareAndSet(key: string, hasExpected: string, expected: string, hasNext: string, next: string, ttlMs: string): Promise<number>;
  covaraKvHit(key: string, windowMs: string): Promise<[number, number]>;
}

/** Redis special characters in a SCAN MATCH glob. */
const GLOB_SPECIAL = /[*?[\]\\]/g;

/** A `KvStore` on Redis. */
export class RedisKvStore implements KvStore {
  private readonly redis: Redis & KvCommands;
  private readonly prefix: string;
  private readonly ownsClient: boolean;

  constructor(
    client: Redis,
    options: { prefix?: string; ownsClient?: boolean } = {},
  ) {
    this.prefix = options.prefix ? `${options.prefix}:` : "";
    this.ownsClient = options.ownsClient ?? false;
    // defineCommand is idempotent per name; the names are Covara's own, so a shared client is fine.
    client.defineCommand("covaraKvIncrement", { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
    client.defineCommand("covaraKvCompareAndSet", { numberOfKeys: 1, lua: COMPARE_AND_SET_SCRIPT });
    client.defineCommand("covaraKvHit", { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.redis = client as Redis & KvCommands;
  }

  /** The underlying ioredis client (for diagnostics and tests). */
  get client(): Redis {
    return this.redis;
  }

  #hub: RedisHub | undefined;

  /**
   * The realtime hub on the same Redis and prefix, sharing this client for commands (it opens one
   * subscriber connection of its own): `setGlobalKV(redisKv)` alone gives cross-process
   * subscriptions (spec 30 §2).
   */
  [HUB_FACTORY](): HubBackend {
    return (this.#hub ??= new RedisHub(this.redis, { prefix: this.prefix.replace(/:$/, "") || undefined, ownsClient: false }));
  }

  async get(key: string): Promise<string | null> {
    checkKey(key);
    return this.call(() => this.redis.get(this.prefix + key));
  }

  async set(key: string, value: string, options: KvSetOptions = {}): Promise<boolean> {
    checkKey(key);
    checkValue(value);
    checkTtl(options.ttlMs);
    const k = this.prefix + key;
    const { ttlMs, ifAbsent } = options;
    const reply = await this.call(() =>
      ttlMs === undefined
        ? ifAbsent
          ? this.redis.set(k, value, "NX")
          : this.redis.set(k, value)
        : ifAbsent
          ? this.redis.set(k, value, "PX", ttlMs, "NX")
          : this.redis.set(k, value, "PX", ttlMs),
    );
    return reply === "OK";
  }

  async delete(key: string): Promise<boolean> {
    checkKey(key);
    return (await this.call(() => this.redis.del(this.prefix + key))) === 1;
  }

  async increment(key: string, delta = 1, options: KvIncrementOptions = {}): Promise<number | null> {
    checkKey(key);
    checkTtl(options.ttlMs);
    checkIncrement(delta, options.min);
    const reply = await this.call(() =>
      this.redis.covaraKvIncrement(this.prefix + key, String(delta), opt(options.ttlMs), opt(options.min)),
    );
    return reply === null ? null : Number(reply);
  }

  async compareAndSet(key: string, expected: string | null, next: string | null, options: { ttlMs?: number } = {}): Promise<boolean> {
    checkKey(key);
    if (next !== null) checkValue(next);
    checkTtl(options.ttlMs);
    const reply = await this.call(() =>
      this.redis.covaraKvCompareAndSet(
        this.prefix + key,
        expected === null ? "0" : "1",
        expected ?? "",
        next === null ? "0" : "1",
        next ?? "",
        opt(options.ttlMs),
      ),
    );
    return reply === 1;
  }

  /**
   * SCAN over the keys matching the (escaped) prefix, then sort and page in the client: Redis
   * has no ordered key index, so each page costs one pass over the keyspace. Meant for admin
   * inspection and housekeeping, not for hot paths.
   */
  async list(prefix: string, options: { limit?: number; cursor?: string } = {}): Promise<KvListPage> {
    const limit = checkList(prefix, options);
    const match = `${(this.prefix + prefix).replace(GLOB_SPECIAL, "\\$&")}*`;
    const after = options.cursor ?? "";
    const found = new Set<string>();
    let cursor = "0";
    do {
      const [next, keys] = await this.call(() => this.redis.scan(cursor, "MATCH", match, "COUNT", 1000));
      cursor = next;
      for (const stored of keys) {
        const key = stored.slice(this.prefix.length);
        // SCAN may repeat keys; the glob is exact for an escaped prefix, the check is cheap.
        if (stored.startsWith(this.prefix) && key.startsWith(prefix) && compareKeys(key, after) > 0) found.add(key);
      }
    } while (cursor !== "0");
    const sorted = [...found].sort(compareKeys);
    const keys = sorted.slice(0, limit);
    return { keys, cursor: sorted.length > limit ? keys[keys.length - 1]! : null };
  }

  async hit(key: string, windowMs: number): Promise<KvWindowHit> {
    checkKey(key);
    if (windowMs === undefined) throw new KvError("INVALID_TTL", "windowMs is required");
    checkTtl(windowMs);
    const [count, resetAt] = await this.call(() => this.redis.covaraKvHit(this.prefix + key, String(windowMs)));
    return { count: Number(count), resetAt: Number(resetAt) };
  }

  /** Closes the connection if this store opened it; a client passed in stays open. */
  async close(): Promise<void> {
    await this.#hub?.close();
    if (!this.ownsClient) return;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  /** Runs one Redis call, turning client and server failures into `KvError`s. */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw toKvError(err);
    }
  }
}

function opt(n: number | undefined): string {
  return n === undefined ? "" : String(n);
}

function toKvError(err: unknown): KvError {
  if (err instanceof KvError) return err;
  const message = err instanceof Error ? err.message : String(err);
  // Our scripts' refusals start with the port's code; everything else (connection closed, stream
  // not writeable, timeouts, max retries, READONLY/OOM replies) means the store cannot serve.
  if (message.startsWith("NOT_AN_INTEGER")) return new KvError("NOT_AN_INTEGER", message.slice("NOT_AN_INTEGER ".length));
  return new KvError("UNAVAILABLE", `Redis: ${message}`, { cause: err });
}

/**
 * Opens a Redis connection (awaiting it: a wrong URL fails here, not at the first call) and
 * returns the store. Defaults: auto-pipelining on; no offline queue and no resend of unanswered
 * calls after a reconnect (an increment must not apply twice); a 2 s command timeout; reconnect
 * with backoff up to 2 s, forever.
 * @example
 * ```ts
 * import { createRedisKV } from "covara/kv/redis";
 * const kv = await createRedisKV({ url: process.env.REDIS_URL, prefix: "myapp" });
 * const { count, resetAt } = await kv.hit(`login:${ip}`, 60_000);
 * await kv.close();
 * ```
 */
export async function createRedisKV(options: RedisKvOptions = {}): Promise<RedisKvStore> {
  if (options.client) return new RedisKvStore(options.client, { prefix: options.prefix, ownsClient: false });
  const settings: RedisOptions = {
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    // 0: a reply lost to a dropped connection fails its call at once (ioredis flushes on close).
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    connectTimeout: 5000,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
    ...options.redisOptions,
    lazyConnect: true,
  };
  const client = new Redis(options.url ?? "redis://127.0.0.1:6379", settings);
  const onError = options.onError ?? (() => {});
  // Without a listener ioredis prints every reconnect error; callers see them as KvErrors anyway.
  client.on("error", onError);
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw new KvError("UNAVAILABLE", `Redis: cannot connect: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return new RedisKvStore(client, { prefix: options.prefix, ownsClient: true });
}
