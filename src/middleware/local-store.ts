/**
 * The last-resort store of the middleware when neither the app nor the process has a KV store:
 * a private Map with TTLs, one per middleware instance, only ever shared within one process or
 * isolate. `src/` may not import `node-shim/`, so this is a deliberately tiny subset of the KV
 * port (no list, no increment), with the same atomicity (every method runs synchronously).
 * @module
 */
import type { KvSetOptions, KvStore, KvWindowHit } from "../ports/kv-store.js";

/** The part of the KV port the middleware use. */
export type MiddlewareStore = Pick<KvStore, "get" | "set" | "delete" | "compareAndSet" | "hit">;

interface Entry {
  value: string;
  /** Epoch ms; 0 = never. */
  expiresAt: number;
}

/** Creates a private in-memory store; `now` is the clock in epoch ms. */
export function createLocalStore(now: () => number = Date.now): MiddlewareStore {
  const entries = new Map<string, Entry>();
  let sweepCursor: Iterator<[string, Entry]> | undefined;

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt !== 0 && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  // A few expired entries are dropped per write, so abandoned keys (one per client IP) do not pile up.
  const sweep = () => {
    const at = now();
    for (let i = 0; i < 4; i++) {
      sweepCursor ??= entries.entries();
      const next = sweepCursor.next();
      if (next.done) {
        sweepCursor = undefined;
        return;
      }
      const [key, entry] = next.value;
      if (entry.expiresAt !== 0 && entry.expiresAt <= at) entries.delete(key);
    }
  };
  const put = (key: string, value: string, ttlMs?: number) => {
    entries.set(key, { value, expiresAt: ttlMs ? now() + ttlMs : 0 });
    sweep();
  };

  return {
    async get(key) {
      return live(key)?.value ?? null;
    },
    async set(key, value, options: KvSetOptions = {}) {
      if (options.ifAbsent && live(key)) return false;
      put(key, value, options.ttlMs);
      return true;
    },
    async delete(key) {
      const existed = live(key) !== undefined;
      entries.delete(key);
      return existed;
    },
    async compareAndSet(key, expected, next, options = {}) {
      if ((live(key)?.value ?? null) !== expected) return false;
      if (next === null) entries.delete(key);
      else put(key, next, options.ttlMs);
      return true;
    },
    async hit(key, windowMs): Promise<KvWindowHit> {
      const entry = live(key);
      if (!entry) {
        const resetAt = now() + windowMs;
        put(key, "1", windowMs);
        return { count: 1, resetAt };
      }
      const count = Number(entry.value) + 1;
      entry.value = String(count);
      return { count, resetAt: entry.expiresAt };
    },
  };
}
