/**
 * The Redis hub (`HubBackend` for many Node processes on one Redis ≥ 6.2): each resource's
 * changelog is a Stream numbered by a counter, appends are one Lua script that also publishes
 * the new entries, and each process fans them out to its own connections from one subscriber
 * socket. Seqs are durable: a restarted process continues the count. Subscription limits are
 * leases in sorted sets, so a crashed process's slots free themselves.
 * @module
 */
import { randomUUID } from "node:crypto";
import { Redis, type RedisOptions } from "ioredis";
import {
  DEFAULT_MAX_ENTRIES,
  SlotLimitError,
  type ChangeEntry,
  type ChangeInput,
  type ChangelogWindow,
  type HubBackend,
  type HubConnectOptions,
  type HubConnection,
} from "../../src/realtime/types.js";
import { ResourceFeed } from "./hub-feed.js";
import { SlotLeases } from "./hub-leases.js";
import { APPEND_SCRIPT, SINCE_SCRIPT, WINDOW_SCRIPT } from "./hub-scripts.js";

/** Options of `createRedisHub`. */
export interface RedisHubOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). Default `redis://127.0.0.1:6379`. */
  url?: string;
  /**
   * An ioredis client to use instead of opening one. Its own options then apply, and `close()`
   * leaves it open. The hub still opens (and closes) its subscriber, a duplicate of it.
   */
  client?: Redis;
  /** Stores keys as `<prefix>:hub:{<resource>}:…`. Hubs that should share state share a prefix. */
  prefix?: string;
  /** Newest entries kept per resource; default 10000. */
  maxEntries?: number;
  /** Entries older than this are pruned too (by the Redis server's clock); default none. */
  maxAgeMs?: number;
  /**
   * How long a subscription slot outlives its process's last renewal; default 60000. Live
   * connections renew every `leaseMs / 3`.
   */
  leaseMs?: number;
  /** A call that gets no reply within this time fails. Default 2000 ms (own client only). */
  commandTimeoutMs?: number;
  /** Extra ioredis options (tls, password, db, …), applied over the defaults (own client only). */
  redisOptions?: RedisOptions;
  /** Receives connection errors and failures of background work (renewals, gap reads). */
  onError?: (error: Error) => void;
}

/** The scripts registered with `defineCommand` (EVALSHA, EVAL on NOSCRIPT). */
interface HubCommands {
  covaraHubAppend(head: string, log: string, outbox: string, ...args: string[]): Promise<string[]>;
  covaraHubWindow(head: string, log: string, outbox: string, maxAgeMs: string): Promise<[number, number]>;
  covaraHubSince(log: string, outbox: string, maxAgeMs: string, start: string, count: string): Promise<string[]>;
}

/** A resource's subscription on this hub's subscriber socket, shared by its local connections. */
interface Subscription {
  channel: string;
  feed: ResourceFeed;
  refs: number;
  /** Settles once SUBSCRIBE is confirmed and the feed knows where it starts. */
  ready: Promise<void>;
}

/** A connection this hub holds, for `close()`. */
interface Held {
  onLost: ((reason: string) => void) | undefined;
  /** Handed to the caller (connect resolved); only then is `onLost` owed. */
  connected: boolean;
  close(): void;
}

/** A `HubBackend` on Redis. */
export class RedisHub implements HubBackend {
  readonly kind = "redis";
  readonly #redis: Redis & HubCommands;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #maxEntries: string;
  readonly #maxAgeMs: string;
  readonly #leases: SlotLeases;
  readonly #onError: (error: Error) => void;
  /** Connection ids are `<hub id>:<n>`: unique across processes, and a lease names its holder. */
  readonly #id = randomUUID();
  #nextConnection = 0;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #held = new Set<Held>();
  #subscriber: Promise<Redis> | undefined;
  #closed = false;

  constructor(
    client: Redis,
    options: Omit<RedisHubOptions, "client" | "url" | "redisOptions" | "commandTimeoutMs"> & { ownsClient?: boolean } = {},
  ) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    const leaseMs = options.leaseMs ?? 60_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new Error("maxEntries must be a positive integer");
    if (!Number.isSafeInteger(leaseMs) || leaseMs < 3) throw new Error("leaseMs must be an integer ≥ 3");
    if (options.maxAgeMs !== undefined && !(options.maxAgeMs > 0)) throw new Error("maxAgeMs must be positive");
    this.#prefix = options.prefix ? `${options.prefix}:` : "";
    this.#maxEntries = String(maxEntries);
    this.#maxAgeMs = options.maxAgeMs === undefined ? "" : String(Math.ceil(options.maxAgeMs));
    this.#onError = options.onError ?? (() => {});
    this.#ownsClient = options.ownsClient ?? false;
    // defineCommand is idempotent per name; the names are Covara's own, so a shared client is fine.
    client.defineCommand("covaraHubAppend", { numberOfKeys: 3, lua: APPEND_SCRIPT });
    client.defineCommand("covaraHubWindow", { numberOfKeys: 3, lua: WINDOW_SCRIPT });
    client.defineCommand("covaraHubSince", { numberOfKeys: 2, lua: SINCE_SCRIPT });
    this.#redis = client as Redis & HubCommands;
    this.#leases = new SlotLeases(client, leaseMs, this.#onError);
  }

  /** The command client (for diagnostics and tests). */
  get client(): Redis {
    return this.#redis;
  }

  /** All of a resource's keys share a hash tag; encoding keeps `:` and braces in names apart. */
  #key(resource: string, part: string): string {
    return `${this.#prefix}hub:{${encodeURIComponent(resource)}}:${part}`;
  }

  /**
   * One script call: skips ingested outbox ids, numbers, stores, trims and publishes. Entries go
   * through JSON, so row images come back as JSON values (a `Date` becomes its ISO string).
   */
  async append(resource: string, changes: ChangeInput[]): Promise<ChangeEntry[]> {
    if (changes.length === 0) return [];
    const args = [this.#maxEntries, this.#maxAgeMs, JSON.stringify(resource), this.#key(resource, "events")];
    for (const change of changes) {
      // The script writes these three itself; a caller's stray copies must not shadow them.
      const { seq: _seq, resource: _resource, timestamp: _timestamp, ...rest } = change as ChangeInput & Partial<ChangeEntry>;
      args.push(change.outboxId === undefined ? "" : `=${change.outboxId}`, JSON.stringify(rest));
    }
    const stored = await this.#redis.covaraHubAppend(this.#key(resource, "head"), this.#key(resource, "log"), this.#key(resource, "outbox"), ...args);
    return stored.map((json) => JSON.parse(json) as ChangeEntry);
  }

  /** Head and oldest retained seq, read in one step. */
  async window(resource: string): Promise<ChangelogWindow> {
    const [head, oldest] = await this.#redis.covaraHubWindow(
      this.#key(resource, "head"),
      this.#key(resource, "log"),
      this.#key(resource, "outbox"),
      this.#maxAgeMs,
    );
    return { head: Number(head), oldest: Number(oldest) };
  }

  /** Retained entries after `after`, ascending, at most `limit` (one XRANGE from `<after+1>-0`). */
  async since(resource: string, after: number, limit: number): Promise<ChangeEntry[]> {
    const count = Math.min(Math.floor(limit), Number.MAX_SAFE_INTEGER);
    if (!(count > 0) || Number.isNaN(after)) return [];
    const start = after < 0 ? 1 : Math.floor(after) + 1;
    // No seq gets this far; a client's absurd resume position must not become an invalid id.
    if (start > Number.MAX_SAFE_INTEGER) return [];
    const stored = await this.#redis.covaraHubSince(this.#key(resource, "log"), this.#key(resource, "outbox"), this.#maxAgeMs, String(start), String(count));
    return stored.map((json) => JSON.parse(json) as ChangeEntry);
  }

  /**
   * Claims slots (all or none), joins the resource's channel (SUBSCRIBE confirmed), then reads the
   * window: every entry after its head is published after the subscription exists, so it
   * reaches `deliver`. Entries reach all local connections as the same objects, in seq order;
   * seqs skipped on the socket are read from the changelog first. If a gap was trimmed away
   * meanwhile, the entries that exist are delivered and the jump in seq is left for the holder
   * to resolve (`onLost` is not called). `onLost` is called only when this hub is closed.
   */
  async connect(resource: string, deliver: (entries: ChangeEntry[]) => void, options: HubConnectOptions = {}): Promise<HubConnection> {
    if (this.#closed) throw new Error("RedisHub is closed");
    const id = `${this.#id}:${++this.#nextConnection}`;
    const claims = options.claims ?? [];
    const claimKeys = claims.map((claim) => this.#key(resource, `claim:${encodeURIComponent(claim.key)}`));
    if (claims.length > 0) {
      const refused = await this.#leases.acquire(id, claimKeys, claims.map((claim) => claim.limit));
      if (refused >= 0) throw new SlotLimitError(claims[refused]!);
      if (this.#closed) {
        this.#leases.release(id);
        throw new Error("RedisHub is closed");
      }
    }
    const subscription = this.#retain(resource);
    const listener = subscription.feed.add(deliver);
    let open = true;
    const held: Held = {
      onLost: options.onLost,
      connected: false,
      close: () => {
        if (!open) return;
        open = false;
        this.#held.delete(held);
        listener.remove();
        this.#release(subscription);
        this.#leases.release(id);
      },
    };
    this.#held.add(held);
    try {
      await subscription.ready;
      const window = await this.window(resource);
      if (!open) throw new Error("RedisHub closed while connecting");
      listener.open(window.head);
      held.connected = true;
      return { window, close: held.close };
    } catch (err) {
      held.close();
      throw err;
    }
  }

  /** Joins a resource's subscription, creating it (and the subscriber socket) on first use. */
  #retain(resource: string): Subscription {
    const channel = this.#key(resource, "events");
    let subscription = this.#subscriptions.get(channel);
    if (!subscription) {
      const feed = new ResourceFeed({ since: (after, limit) => this.since(resource, after, limit), onError: this.#onError });
      const created: Subscription = { channel, feed, refs: 0, ready: Promise.resolve() };
      created.ready = (async () => {
        const subscriber = await this.#openSubscriber();
        await subscriber.subscribe(channel);
        // Read after the subscription exists: nothing later than this head can be missed.
        feed.start((await this.window(resource)).head);
      })();
      // Failures reach the connecting callers; this only keeps the promise from being unhandled.
      created.ready.catch(() => {});
      this.#subscriptions.set(channel, (subscription = created));
    }
    subscription.refs++;
    return subscription;
  }

  #release(subscription: Subscription): void {
    if (--subscription.refs > 0) return;
    subscription.feed.close();
    if (this.#subscriptions.get(subscription.channel) === subscription) this.#subscriptions.delete(subscription.channel);
    // A failed UNSUBSCRIBE (socket down) needs no retry: only channels still in the map are
    // subscribed again after a reconnect.
    void this.#subscriber?.then((subscriber) => subscriber.unsubscribe(subscription.channel)).catch(() => {});
  }

  /**
   * The one subscriber socket of this hub, opened on first connect (a process that only appends
   * opens none). ioredis's own resubscribe is off: after a reconnect this hub subscribes again
   * and, once confirmed, reads what was published while the socket was down.
   */
  #openSubscriber(): Promise<Redis> {
    // close() awaits the promise it finds; one created after that would leak its socket.
    if (this.#closed) return Promise.reject(new Error("RedisHub is closed"));
    this.#subscriber ??= (async () => {
      const subscriber = this.#redis.duplicate({ lazyConnect: true, autoResubscribe: false, enableOfflineQueue: false });
      subscriber.on("error", this.#onError);
      subscriber.on("message", (channel: string, message: string) => this.#onMessage(channel, message));
      // The first "ready" is this connect: each subscription then subscribes on its own.
      let reconnect = false;
      subscriber.on("ready", () => {
        if (reconnect) this.#resubscribe(subscriber);
        reconnect = true;
      });
      try {
        await subscriber.connect();
      } catch (err) {
        subscriber.disconnect();
        this.#subscriber = undefined;
        throw err;
      }
      return subscriber;
    })();
    return this.#subscriber;
  }

  #onMessage(channel: string, message: string): void {
    const subscription = this.#subscriptions.get(channel);
    if (!subscription) return;
    let entries: ChangeEntry[];
    try {
      entries = JSON.parse(message) as ChangeEntry[];
    } catch (err) {
      this.#onError(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    subscription.feed.receive(entries);
  }

  /**
   * Every channel in the map, including one whose first SUBSCRIBE may have been lost with the old
   * socket (SUBSCRIBE is idempotent). A feed that has not started yet runs its catch-up after
   * `start`, where it finds nothing to do.
   */
  #resubscribe(subscriber: Redis): void {
    const current = [...this.#subscriptions.values()];
    if (current.length === 0 || this.#closed) return;
    subscriber.subscribe(...current.map((s) => s.channel)).then(
      () => {
        for (const s of current) if (this.#subscriptions.get(s.channel) === s) s.feed.catchUp();
      },
      // The next "ready" (after the next reconnect) tries again.
      (err: unknown) => this.#onError(err instanceof Error ? err : new Error(String(err))),
    );
  }

  /**
   * Stops renewals, closes every connection (calling its `onLost`: nothing more will arrive) and
   * releases its slots, then quits the subscriber and, if this hub opened it, the command client.
   * The changelog stays in Redis.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const h of [...this.#held]) {
      h.close();
      if (!h.connected) continue;
      try {
        h.onLost?.("hub closed");
      } catch (err) {
        this.#onError(err instanceof Error ? err : new Error(String(err)));
      }
    }
    for (const s of this.#subscriptions.values()) s.feed.close();
    this.#subscriptions.clear();
    await this.#leases.close();
    const subscriber = await this.#subscriber?.catch(() => undefined);
    for (const client of [subscriber, this.#ownsClient ? this.#redis : undefined]) {
      if (!client) continue;
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    }
  }
}

/**
 * Opens a Redis connection (awaiting it: a wrong URL fails here) and returns the hub. Defaults
 * as the Redis KV: auto-pipelining; no offline queue and no resend after a reconnect (an append
 * must not apply twice; the outbox catches up instead); a 2 s command timeout; reconnect with
 * backoff up to 2 s, forever.
 * @example
 * ```ts
 * import { createRedisHub } from "covara/node/redis";
 * const hub = await createRedisHub({ url: process.env.REDIS_URL, prefix: "myapp" });
 * const conn = await hub.connect("todos", (entries) => console.log(entries));
 * await hub.append("todos", [{ type: "create", objectId: "1", object: { id: 1 } }]);
 * conn.close();
 * await hub.close();
 * ```
 */
export async function createRedisHub(options: RedisHubOptions = {}): Promise<RedisHub> {
  const { client: given, url, redisOptions, commandTimeoutMs, ...hubOptions } = options;
  if (given) return new RedisHub(given, { ...hubOptions, ownsClient: false });
  const settings: RedisOptions = {
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    // 0: a reply lost to a dropped connection fails its call at once.
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs ?? 2000,
    connectTimeout: 5000,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
    ...redisOptions,
    lazyConnect: true,
  };
  const client = new Redis(url ?? "redis://127.0.0.1:6379", settings);
  // Without a listener ioredis prints every reconnect error.
  client.on("error", options.onError ?? (() => {}));
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw new Error(`Redis hub: cannot connect: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return new RedisHub(client, { ...hubOptions, ownsClient: true });
}
