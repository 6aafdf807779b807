/**
 * In-memory KV: one process or one isolate. Runtime-neutral (no Node imports) so a Worker with
 * no Durable Object bound can use it too. Expiry is lazy: an expired entry is dropped when read,
 * and a bounded sweep on writes keeps abandoned keys from piling up.
 * @module
 */
import { KvError, type KvIncrementOptions, type KvListPage, type KvSetOptions, type KvStore, type KvWindowHit } from "../../src/ports/kv-store.js";
import { compareKeys } from "../../src/kv/key-order.js";
import { checkIncrement, checkKey, checkList, checkTtl, checkValue, parseInteger } from "../../src/kv/validate.js";

interface Entry {
  value: string;
  /** Epoch ms; 0 = no expiry. */
  expiresAt: number;
}

/** Options of the memory store. */
export interface MemoryKvOptions {
  /** Clock in epoch ms (tests inject one). */
  now?: () => number;
}

/** A `KvStore` held in a Map. */
export class MemoryKvStore implements KvStore {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private sweepCursor: Iterator<[string, Entry]> | undefined;

  constructor(options: MemoryKvOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt !== 0 && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Drops a few expired entries per write, so memory does not grow with abandoned keys. */
  private sweep(): void {
    const now = this.now();
    for (let i = 0; i < 4; i++) {
      this.sweepCursor ??= this.entries.entries();
      const next = this.sweepCursor.next();
      if (next.done) {
        this.sweepCursor = undefined;
        return;
      }
      const [key, entry] = next.value;
      if (entry.expiresAt !== 0 && entry.expiresAt <= now) this.entries.delete(key);
    }
  }

  async get(key: string): Promise<string | null> {
    checkKey(key);
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, options: KvSetOptions = {}): Promise<boolean> {
    checkKey(key);
    checkValue(value);
    checkTtl(options.ttlMs);
    if (options.ifAbsent && this.live(key)) return false;
    this.entries.set(key, { value, expiresAt: options.ttlMs ? this.now() + options.ttlMs : 0 });
    this.sweep();
    return true;
  }

  async delete(key: string): Promise<boolean> {
    checkKey(key);
    const existed = this.live(key) !== undefined;
    this.entries.delete(key);
    return existed;
  }

  async increment(key: string, delta = 1, options: KvIncrementOptions = {}): Promise<number | null> {
    checkKey(key);
    checkTtl(options.ttlMs);
    checkIncrement(delta, options.min);
    const entry = this.live(key);
    const current = entry ? parseInteger(entry.value, key) : 0;
    const next = current + delta;
    if (!Number.isSafeInteger(next)) throw new KvError("NOT_AN_INTEGER", `increment of ${key} overflows`);
    if (options.min !== undefined && next < options.min) return null;
    if (entry) entry.value = String(next);
    else this.entries.set(key, { value: String(next), expiresAt: options.ttlMs ? this.now() + options.ttlMs : 0 });
    return next;
  }

  async compareAndSet(key: string, expected: string | null, next: string | null, options: { ttlMs?: number } = {}): Promise<boolean> {
    checkKey(key);
    if (next !== null) checkValue(next);
    checkTtl(options.ttlMs);
    const current = this.live(key)?.value ?? null;
    if (current !== expected) return false;
    if (next === null) this.entries.delete(key);
    else this.entries.set(key, { value: next, expiresAt: options.ttlMs ? this.now() + options.ttlMs : 0 });
    return true;
  }

  async list(prefix: string, options: { limit?: number; cursor?: string } = {}): Promise<KvListPage> {
    const limit = checkList(prefix, options);
    const after = options.cursor ?? "";
    const keys: string[] = [];
    for (const key of this.entries.keys()) {
      if (key.startsWith(prefix) && compareKeys(key, after) > 0 && this.live(key)) keys.push(key);
    }
    keys.sort(compareKeys);
    const page = keys.slice(0, limit);
    return { keys: page, cursor: keys.length > limit ? page[page.length - 1]! : null };
  }

  async hit(key: string, windowMs: number): Promise<KvWindowHit> {
    checkKey(key);
    if (windowMs === undefined) throw new KvError("INVALID_TTL", "windowMs is required");
    checkTtl(windowMs);
    const entry = this.live(key);
    if (!entry) {
      const resetAt = this.now() + windowMs;
      this.entries.set(key, { value: "1", expiresAt: resetAt });
      this.sweep();
      return { count: 1, resetAt };
    }
    const count = parseInteger(entry.value, key) + 1;
    if (!Number.isSafeInteger(count)) throw new KvError("NOT_AN_INTEGER", `hit count of ${key} overflows`);
    entry.value = String(count);
    // A key written without a TTL (by `set`) gets the window now, as on Redis and the DO.
    if (entry.expiresAt === 0) entry.expiresAt = this.now() + windowMs;
    return { count, resetAt: entry.expiresAt };
  }

  async close(): Promise<void> {}
}

/** Creates an in-memory KV store. */
export function createMemoryKV(options?: MemoryKvOptions): MemoryKvStore {
  return new MemoryKvStore(options);
}
