/**
 * A small bounded LRU for compiled filters keyed by source text (10-resources §5.5). User filters
 * are unbounded input, so the cache must never grow past its limit.
 * @module
 */

/** A bounded least-recently-used cache. */
export interface RsqlCache<T> {
  /** The cached value for `key`, or the result of `make()` (cached unless it throws). */
  get(key: string, make: () => T): T;
  /** Number of cached entries. */
  readonly size: number;
  /** Drops every entry. */
  clear(): void;
}

/**
 * Creates a bounded LRU cache (default 500 entries), one per resource.
 * @example const cache = createRsqlCache<SQL>(); const where = cache.get(filter, () => toSql(parseRsql(filter)!, options));
 */
export function createRsqlCache<T>(max = 500): RsqlCache<T> {
  const limit = Math.max(1, Math.floor(max));
  const entries = new Map<string, T>();
  return {
    get(key, make) {
      if (entries.has(key)) {
        const value = entries.get(key) as T;
        // Map keeps insertion order: re-inserting marks the entry as most recently used.
        entries.delete(key);
        entries.set(key, value);
        return value;
      }
      const value = make();
      entries.set(key, value);
      if (entries.size > limit) entries.delete(entries.keys().next().value as string);
      return value;
    },
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
    },
  };
}
