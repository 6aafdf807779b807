/**
 * The `KvStore` that talks to `CovaraKVDurableObject` shards. Keys are spread over `shards` named
 * objects by a stable hash, so no single object carries every operation of the app; `list` asks
 * every shard and merges. A stub is derived per operation and never kept: Workers forbids using
 * I/O objects of one request from another, so the store itself is safe to memoise at module
 * scope (spec 30-deploy §5.4). No Cloudflare imports: the client also loads in Node.
 * @module
 */
import { KvError, type KvErrorCode, type KvIncrementOptions, type KvListPage, type KvSetOptions, type KvStore, type KvWindowHit } from "../src/ports/kv-store.js";
import { compareKeys } from "../src/kv/key-order.js";
import type { KvRequest } from "../src/kv/sql-engine.js";
import { checkIncrement, checkKey, checkList, checkTtl, checkValue } from "../src/kv/validate.js";
import type { KvObjectReply } from "./kv-store.js";
import { HUB_FACTORY, type HubBackend } from "../src/realtime/types.js";
import { createDurableObjectHub, type DurableObjectHub, type HubObjectNamespace } from "./hub-client.js";

/** What the client needs of a Durable Object stub. */
export interface KvObjectStub {
  fetch(input: string, init?: { method?: string; body?: string; headers?: Record<string, string> }): Promise<Response>;
}

/** What the client needs of a `DurableObjectNamespace` (e.g. `env.COVARA_KV`). */
export interface KvObjectNamespace<Id = unknown> {
  idFromName(name: string): Id;
  get(id: Id): KvObjectStub;
}

/** Options of `createDurableObjectKV`. */
export interface DurableObjectKvOptions {
  /** Base name of the object instances; shard i is `${name}:${i}`. Default `"covara-kv"`. */
  name?: string;
  /**
   * Number of shards (1–256, default 8). Fixed for the life of the data: a key's shard is derived
   * from this number, so changing it hides every key that moves.
   */
  shards?: number;
  /** Stores keys as `<prefix>:<key>`, invisibly to callers. */
  prefix?: string;
}

const KNOWN_CODES = new Set<string>(["KEY_TOO_LARGE", "VALUE_TOO_LARGE", "INVALID_TTL", "INVALID_ARGUMENT", "NOT_AN_INTEGER", "UNAVAILABLE"]);
const ENDPOINT = "https://covara-kv.internal/";
/** Attempts for reads (get, list) on an error the runtime marks retryable and not overloaded. */
const READ_ATTEMPTS = 3;

/** FNV-1a (32-bit) over the UTF-16 code units of the stored key: stable across versions and runtimes. */
export function shardOf(key: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

/**
 * The stub of one shard, derived for this operation only (never cached: see the module header).
 */
function shardStub(namespace: KvObjectNamespace, name: string, shard: number): KvObjectStub {
  return namespace.get(namespace.idFromName(`${name}:${shard}`));
}

function isRetryable(err: unknown): boolean {
  const e = err as { retryable?: unknown; overloaded?: unknown } | null;
  return e !== null && typeof e === "object" && e.retryable === true && e.overloaded !== true;
}

/** A `KvStore` backed by `CovaraKVDurableObject` shards. */
export class DurableObjectKvStore implements KvStore {
  private readonly name: string;
  private readonly shards: number;
  private readonly prefix: string;
  private hub: DurableObjectHub | undefined;

  constructor(
    private readonly namespace: KvObjectNamespace,
    options: DurableObjectKvOptions = {},
  ) {
    this.name = options.name ?? "covara-kv";
    this.shards = options.shards ?? 8;
    if (!Number.isInteger(this.shards) || this.shards < 1 || this.shards > 256) throw new TypeError("shards must be an integer from 1 to 256");
    this.prefix = options.prefix ? `${options.prefix}:` : "";
  }

  /**
   * The realtime hub beside this KV: instances `hub:<resource>` of the same class, so an app that
   * binds only `COVARA_KV` gets cross-isolate subscriptions (spec 30 §5.2).
   */
  [HUB_FACTORY](): HubBackend {
    return (this.hub ??= createDurableObjectHub(this.namespace as unknown as HubObjectNamespace));
  }

  async get(key: string): Promise<string | null> {
    checkKey(key);
    return (await this.send({ op: "get", key: this.prefix + key }, true)) as string | null;
  }

  async set(key: string, value: string, options: KvSetOptions = {}): Promise<boolean> {
    checkKey(key);
    checkValue(value);
    checkTtl(options.ttlMs);
    const request: KvRequest = { op: "set", key: this.prefix + key, value, ttlMs: options.ttlMs, ifAbsent: options.ifAbsent === true };
    return (await this.send(request)) as boolean;
  }

  async delete(key: string): Promise<boolean> {
    checkKey(key);
    return (await this.send({ op: "delete", key: this.prefix + key })) as boolean;
  }

  async increment(key: string, delta = 1, options: KvIncrementOptions = {}): Promise<number | null> {
    checkKey(key);
    checkTtl(options.ttlMs);
    checkIncrement(delta, options.min);
    return (await this.send({ op: "increment", key: this.prefix + key, delta, ttlMs: options.ttlMs, min: options.min })) as number | null;
  }

  async compareAndSet(key: string, expected: string | null, next: string | null, options: { ttlMs?: number } = {}): Promise<boolean> {
    checkKey(key);
    if (next !== null) checkValue(next);
    checkTtl(options.ttlMs);
    return (await this.send({ op: "compareAndSet", key: this.prefix + key, expected, next, ttlMs: options.ttlMs })) as boolean;
  }

  async list(prefix: string, options: { limit?: number; cursor?: string } = {}): Promise<KvListPage> {
    const limit = checkList(prefix, options);
    const request: KvRequest = {
      op: "list",
      prefix: this.prefix + prefix,
      limit,
      cursor: options.cursor === undefined ? undefined : this.prefix + options.cursor,
    };
    // Every shard returns its first `limit` keys after the cursor; the merged first `limit` are the page.
    const pages = (await Promise.all(
      Array.from({ length: this.shards }, (_, shard) => this.sendTo(shard, request, true)),
    )) as KvListPage[];
    const merged = pages.flatMap((page) => page.keys).sort(compareKeys);
    const keys = merged.slice(0, limit).map((key) => key.slice(this.prefix.length));
    const more = merged.length > limit || pages.some((page) => page.cursor !== null);
    return { keys, cursor: more && keys.length > 0 ? keys[keys.length - 1]! : null };
  }

  async hit(key: string, windowMs: number): Promise<KvWindowHit> {
    checkKey(key);
    if (windowMs === undefined) throw new KvError("INVALID_TTL", "windowMs is required");
    checkTtl(windowMs);
    return (await this.send({ op: "hit", key: this.prefix + key, windowMs })) as KvWindowHit;
  }

  async close(): Promise<void> {}

  private send(request: Exclude<KvRequest, { op: "list" }>, idempotent = false): Promise<unknown> {
    return this.sendTo(shardOf(request.key, this.shards), request, idempotent);
  }

  private async sendTo(shard: number, request: KvRequest, idempotent = false): Promise<unknown> {
    const init = { method: "POST", body: JSON.stringify(request), headers: { "content-type": "application/json" } };
    let response: Response;
    for (let attempt = 1; ; attempt++) {
      try {
        response = await shardStub(this.namespace, this.name, shard).fetch(ENDPOINT, init);
        break;
      } catch (err) {
        // The runtime already retries calls that never reached the object; reads may also be
        // retried after an ambiguous failure, writes may not (an increment could apply twice).
        if (idempotent && attempt < READ_ATTEMPTS && isRetryable(err)) {
          await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt * (0.5 + Math.random())));
          continue;
        }
        throw new KvError("UNAVAILABLE", `Durable Object KV shard ${shard}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
    let reply: KvObjectReply;
    try {
      reply = (await response.json()) as KvObjectReply;
    } catch (err) {
      throw new KvError("UNAVAILABLE", `Durable Object KV shard ${shard} answered ${response.status}`, { cause: err });
    }
    if (reply.ok) return reply.value;
    throw new KvError(KNOWN_CODES.has(reply.code) ? (reply.code as KvErrorCode) : "UNAVAILABLE", reply.message);
  }
}

/**
 * Creates a `KvStore` on the `CovaraKVDurableObject` namespace bound in wrangler.toml.
 * @example
 * ```ts
 * import { createDurableObjectKV } from "covara/cloudflare";
 * export default {
 *   async fetch(request: Request, env: { COVARA_KV: DurableObjectNamespace }) {
 *     const kv = createDurableObjectKV(env.COVARA_KV, { prefix: "myapp" });
 *     const views = await kv.increment("views");
 *     return new Response(String(views));
 *   },
 * };
 * ```
 */
export function createDurableObjectKV(namespace: KvObjectNamespace, options?: DurableObjectKvOptions): DurableObjectKvStore {
  return new DurableObjectKvStore(namespace, options);
}
