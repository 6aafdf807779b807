/**
 * Live lists shared through `client.queryCache` (spec 80 §7): one live list per (path, filter,
 * include, orderBy, limit, select, subscriptionMode), reference-counted, destroyed when its last
 * user lets go. A page fetched with `client.prefetch` under the same key seeds the live list,
 * which then takes its place in the cache.
 * @module
 */
import type { CovaraClient } from "../client.js";
import { PrefetchedList } from "../prefetch.js";
import type { CachedQuery } from "../query-cache.js";
import type { ListResult, Row } from "../resource-types.js";
import type { ResourceClient } from "../resource.js";
import { createLiveQuery, LiveList } from "./live-query.js";
import { effectiveMode } from "./ordering.js";
import type { LiveQuery, LiveQueryCallbacks, LiveQueryLike, LiveQueryOptions } from "./types.js";

/** What a live list hook accepts: a mount path, a resource client, or a prepared query. */
export type LiveSource<T extends Row> = string | ResourceClient<T, any> | LiveQueryLike<T>;

/** A live list request resolved against a client. */
export interface ResolvedLiveQuery<T extends Row> {
  resource: ResourceClient<T, any>;
  options: LiveQueryOptions<T, any>;
  /** The query cache key. */
  key: string;
}

const isResourceClient = <T extends Row>(source: LiveSource<T>): source is ResourceClient<T, any> =>
  typeof source === "object" && typeof (source as ResourceClient<T, any>).subscribe === "function";

/**
 * Resolves a source and options: a prepared query's own filter, orderBy, limit, select and include
 * win over `options`. The key leaves out a `subscriptionMode` equal to the default, so a list
 * prefetched with the same list options shares it.
 */
export function resolveLiveQuery<T extends Row>(client: CovaraClient, source: LiveSource<T>, options: LiveQueryOptions<T, any> = {}): ResolvedLiveQuery<T> {
  let resource: ResourceClient<T, any>;
  let merged: LiveQueryOptions<T, any> = options;
  if (typeof source === "string") resource = client.resource<T>(source);
  else if (isResourceClient(source)) resource = source;
  else {
    resource = source.resource ?? client.resource<T>(source.path);
    merged = { ...options, ...definedOnly(source.query) };
  }
  const { filter, include, orderBy, limit, select, subscriptionMode } = merged;
  const mode = subscriptionMode === effectiveMode(undefined, limit) ? undefined : subscriptionMode;
  const key = client.queryCache.key(resource.path, { filter, include, orderBy, limit, select, subscriptionMode: mode });
  return { resource, options: merged, key };
}

function definedOnly<O extends object>(value: O): Partial<O> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<O>;
}

/** What a prefetched page (or an existing live list) under `key` shows, if anything is cached. */
export function peekLiveQuery<T extends Row>(client: CovaraClient, key: string): LiveQuery<T> | ListResult<T> | undefined {
  const cached = client.queryCache.get(key);
  if (cached instanceof LiveList) return cached as LiveList<T>;
  if (cached instanceof PrefetchedList) return (cached as PrefetchedList<T>).data;
  return undefined;
}

/**
 * Takes a reference to the shared live list for `resolved`, creating (and starting) it when
 * needed. Release it with `client.queryCache.release(resolved.key)`.
 */
export function acquireLiveQuery<T extends Row>(client: CovaraClient, resolved: ResolvedLiveQuery<T>, callbacks: LiveQueryCallbacks = {}): LiveQuery<T> {
  const create = (previous?: CachedQuery) => {
    const seed = previous instanceof PrefetchedList ? (previous as PrefetchedList<T>).data : undefined;
    return createLiveQuery<T>(resolved.resource, resolved.options, callbacks, { client, seed }) as LiveList<T>;
  };
  return client.queryCache.acquire(resolved.key, create, (query) => query instanceof LiveList) as unknown as LiveQuery<T>;
}

/**
 * Tells every live list of `client` that an optimistic id now has a server id (for offline sync
 * code that has no event stream of its own). Returns how many lists were told.
 */
export function remapOptimisticId(client: CovaraClient, optimisticId: string, serverId: string): number {
  let count = 0;
  for (const query of client.queryCache.queries()) {
    if (query instanceof LiveList) {
      query.remapId(optimisticId, serverId);
      count++;
    }
  }
  return count;
}
