/**
 * Subscription slots of the Redis hub (spec 20 §2: limits counted cluster-wide per resource) as
 * leases: a sorted set per (resource, claim key), member = connection id, score = lease expiry.
 * A live process renews its members on one timer; a crashed one stops, so its slots free
 * themselves one lease later instead of staying taken forever.
 * @module
 */
import type { Redis } from "ioredis";
import { ACQUIRE_SCRIPT, RENEW_SCRIPT } from "./hub-scripts.js";

interface LeaseCommands {
  covaraHubAcquire(numKeys: number, ...args: string[]): Promise<number>;
  covaraHubRenew(numKeys: number, ...args: string[]): Promise<number>;
}

/** The leases one hub holds. */
export class SlotLeases {
  readonly #redis: Redis & LeaseCommands;
  readonly #leaseMs: number;
  readonly #onError: (error: Error) => void;
  /** Connection id → its claim keys. */
  readonly #held = new Map<string, string[]>();
  readonly #pending = new Set<Promise<void>>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(client: Redis, leaseMs: number, onError: (error: Error) => void) {
    client.defineCommand("covaraHubAcquire", { lua: ACQUIRE_SCRIPT });
    client.defineCommand("covaraHubRenew", { lua: RENEW_SCRIPT });
    this.#redis = client as Redis & LeaseCommands;
    this.#leaseMs = leaseMs;
    this.#onError = onError;
  }

  /**
   * Takes a slot in every key or in none (one script). Returns the index of the first key whose
   * set is at its limit, or -1 when all were taken.
   */
  async acquire(member: string, keys: string[], limits: number[]): Promise<number> {
    const refused = await this.#redis.covaraHubAcquire(keys.length, ...keys, member, String(this.#leaseMs), ...limits.map(String));
    if (refused > 0) return refused - 1;
    this.#held.set(member, keys);
    this.#startTimer();
    return -1;
  }

  /** Gives a member's slots back, in the background (`close()` waits for it). */
  release(member: string): void {
    const keys = this.#held.get(member);
    if (!keys) return;
    this.#held.delete(member);
    // Auto-pipelining sends these together; an emptied set disappears, so no key is left behind.
    this.#track(Promise.all(keys.map((key) => this.#redis.zrem(key, member))));
  }

  /** Stops renewing and waits for releases in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /** One unref'd timer for all of the hub's leases: it must not keep the process alive. */
  #startTimer(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setInterval(() => this.#renew(), Math.floor(this.#leaseMs / 3));
    this.#timer.unref?.();
  }

  #renew(): void {
    if (this.#held.size === 0) return;
    const pipeline = this.#redis.pipeline() as unknown as LeaseCommands & { exec(): Promise<[Error | null, unknown][] | null> };
    for (const [member, keys] of this.#held) void pipeline.covaraHubRenew(keys.length, ...keys, member, String(this.#leaseMs));
    this.#track(
      pipeline.exec().then((results) => {
        for (const [err] of results ?? []) if (err) this.#onError(err);
      }),
    );
  }

  /** Reports a background call's failure instead of throwing, and keeps it visible to `close()`. */
  #track(work: Promise<unknown>): void {
    const tracked = work.then(
      () => {},
      (err: unknown) => this.#onError(err instanceof Error ? err : new Error(String(err))),
    );
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }
}
