/**
 * `client.queryCache` (spec 80 §7): cached queries keyed by path and options, reference-counted,
 * so every consumer of the same list shares one query. Live queries (the React hooks) register
 * here; the core only needs `invalidate` (refetch what matches) and `prefetch` (load a list
 * before anything renders it).
 * @module
 */

/** A cached query: anything that can refetch itself. */
export interface CachedQuery {
  readonly path: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** Refetches; resolves when fresh data is in. */
  refresh(): Promise<void>;
  /** Called when the last user released it. */
  destroy?(): void;
}

/** `invalidate` target: a path prefix, or a predicate over path and options. */
export type InvalidateTarget = string | ((path: string, options: Readonly<Record<string, unknown>>) => boolean);

/** Stable JSON: object keys sorted, so `{a,b}` and `{b,a}` give one key. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Whether `path` is `prefix` or below it. */
const under = (path: string, prefix: string) => path === prefix || path.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`) || path.startsWith(`${prefix}?`);

/** Reference-counted cache of live and prefetched queries. */
export class QueryCache {
  readonly #entries = new Map<string, { query: CachedQuery; refs: number }>();

  /** The cache key of a query. */
  key(path: string, options: Readonly<Record<string, unknown>> = {}): string {
    return `${path}\u0000${stable(options)}`;
  }

  /** The cached query under `key`, if any. */
  get(key: string): CachedQuery | undefined {
    return this.#entries.get(key)?.query;
  }

  /** Stores a query without taking a reference (a prefetch); replaces nothing that exists. */
  put(key: string, query: CachedQuery): CachedQuery {
    const entry = this.#entries.get(key);
    if (entry) return entry.query;
    this.#entries.set(key, { query, refs: 0 });
    return query;
  }

  /**
   * Takes a reference, creating the query when absent. An entry that `reuse` rejects (a prefetched
   * page where a live query is wanted) is replaced by `create(previous)`, keeping its references.
   */
  acquire(key: string, create: (previous?: CachedQuery) => CachedQuery, reuse: (query: CachedQuery) => boolean = () => true): CachedQuery {
    let entry = this.#entries.get(key);
    if (!entry) this.#entries.set(key, (entry = { query: create(), refs: 0 }));
    else if (!reuse(entry.query)) {
      const previous = entry.query;
      entry.query = create(previous);
      previous.destroy?.();
    }
    entry.refs++;
    return entry.query;
  }

  /** Drops a reference; the last one destroys the query. */
  release(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry || --entry.refs > 0) return;
    this.#entries.delete(key);
    entry.query.destroy?.();
  }

  /** Every cached query. */
  queries(): CachedQuery[] {
    return [...this.#entries.values()].map((e) => e.query);
  }

  /**
   * Starts a refetch of every query matching `target` and returns how many matched (spec 80 §7.2:
   * `useInvalidate()(target) => count`). Refetch failures are the query's own to report.
   */
  invalidate(target: InvalidateTarget): number {
    const matches = this.queries().filter((query) => (typeof target === "string" ? under(query.path, target) : target(query.path, query.options)));
    for (const query of matches) query.refresh().catch(() => undefined);
    return matches.length;
  }

  /** Destroys everything. */
  clear(): void {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    for (const entry of entries) entry.query.destroy?.();
  }
}
