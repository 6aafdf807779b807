/**
 * A list query fetched ahead of time (`client.prefetch`, spec 80 §7.2): it lives in the query
 * cache so the live query that later asks for the same path and options starts from its data.
 * @module
 */
import type { CachedQuery } from "./query-cache.js";
import type { ListOptions, ListResult, Row } from "./resource-types.js";
import type { ResourceClient } from "./resource.js";

/** A cached, refreshable list page. */
export class PrefetchedList<T extends Row> implements CachedQuery {
  readonly path: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** The last page fetched. */
  data: ListResult<T> | undefined;
  /** The last fetch error, cleared by a successful refresh. */
  error: unknown;
  /** When `data` was fetched (epoch ms). */
  fetchedAt = 0;
  readonly #resource: ResourceClient<T, unknown>;
  readonly #listeners = new Set<() => void>();

  constructor(resource: ResourceClient<T, unknown>, options: ListOptions<T, never>) {
    this.#resource = resource;
    this.path = resource.path;
    this.options = options as Record<string, unknown>;
  }

  async refresh(): Promise<void> {
    try {
      this.data = (await this.#resource.list(this.options as ListOptions<T, never>)) as ListResult<T>;
      this.error = undefined;
      this.fetchedAt = Date.now();
    } catch (error) {
      this.error = error;
      throw error;
    } finally {
      for (const listener of this.#listeners) listener();
    }
  }

  /** Calls `listener` after every refresh; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
