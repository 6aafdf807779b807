/**
 * `useLiveList` and `useInfiniteList` (spec 80 §7.1): a list that loads its first page, stays live
 * over SSE, and applies the component's own writes optimistically. Lists with the same path and
 * options share one live query through `client.queryCache`; the last component to unmount ends it.
 * @module
 */
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { getClient } from "../client.js";
import type { Row } from "../resource-types.js";
import { acquireLiveQuery, peekLiveQuery, resolveLiveQuery, type LiveSource } from "../live/cache.js";
import { LiveList } from "../live/live-query.js";
import type { LiveMutate, LiveQuery, LiveQueryOptions, LiveSnapshot, LiveStatus } from "../live/types.js";

/** Options of `useLiveList`. */
export interface UseLiveListOptions<T, K extends keyof T = never> extends LiveQueryOptions<T, K> {
  /** Default true; false tears the list down and returns the empty loading state. */
  enabled?: boolean;
}

/** `T`, or `Pick<T, K | "id">` when fields were selected. */
export type LiveItem<T extends Row, K extends keyof T> = [K] extends [never] ? T : Pick<T, K | "id">;

/** What `useLiveList` returns. */
export interface UseLiveListResult<I> extends LiveSnapshot<I> {
  /** `Loading...`, `Live`, `Reconnecting...`, `Offline` / `Offline (N pending)`, `Error`. */
  statusLabel: string;
  isLive: boolean;
  isOffline: boolean;
  isReconnecting: boolean;
  mutate: LiveMutate<I>;
  /** Reloads the first page. */
  refresh(): Promise<void>;
  /** Loads the next page and appends it. */
  loadMore(): Promise<void>;
}

/** What `useInfiniteList` returns. */
export interface UseInfiniteListResult<I> extends UseLiveListResult<I> {
  fetchNextPage(): Promise<void>;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
}

const EMPTY: LiveSnapshot<never> = { items: [], status: "loading", isLoading: true, error: null, pendingCount: 0, lastSeq: 0, hasMore: false, isLoadingMore: false };
const noSubscription = () => () => undefined;

/** The label of a status (spec 80 §7.1). */
export function statusLabel(status: LiveStatus, pendingCount = 0): string {
  switch (status) {
    case "loading":
      return "Loading...";
    case "live":
      return "Live";
    case "reconnecting":
      return "Reconnecting...";
    case "offline":
      return pendingCount > 0 ? `Offline (${pendingCount} pending)` : "Offline";
    default:
      return "Error";
  }
}

/**
 * A live list of `source` (a path like `"/api/todos"`, a resource client, or a prepared query).
 * @example
 * const { items, status, mutate } = useLiveList<Todo>("/api/todos", { orderBy: "position" });
 * mutate.create({ title: "New todo" }); // shows at once, reconciled with the server row later
 */
export function useLiveList<T extends Row, const K extends keyof T & string = never>(
  source: LiveSource<T>,
  options: UseLiveListOptions<T, K> = {},
): UseLiveListResult<LiveItem<T, K>> {
  const client = getClient();
  const enabled = options.enabled !== false;
  const resolved = enabled ? resolveLiveQuery<T>(client, source, options) : undefined;
  const key = resolved?.key;
  const latest = useRef(resolved);
  latest.current = resolved;
  const [held, setHeld] = useState<{ key: string; query: LiveQuery<T> }>();

  useEffect(() => {
    if (!key || !latest.current) return;
    const query = acquireLiveQuery<T>(client, latest.current);
    setHeld({ key, query });
    // Released a tick later: React's development double mount then reuses the same live list
    // instead of tearing it down and opening a second stream.
    return () => void setTimeout(() => client.queryCache.release(key), 0);
  }, [client, key]);

  const own = held && held.key === key ? held.query : undefined;
  // Before the effect ran (first render): show what the cache already has, a shared live list or a prefetched page.
  const peeked = useMemo(() => (key && !own ? peekLiveQuery<T>(client, key) : undefined), [client, key, own]);
  const store = own ?? (peeked instanceof LiveList ? (peeked as LiveQuery<T>) : undefined);
  const seeded = useMemo<LiveSnapshot<T>>(() => {
    if (!peeked || peeked instanceof LiveList) return EMPTY;
    const page = peeked as { items: T[]; hasMore: boolean; totalCount?: number };
    return { ...EMPTY, items: page.items, hasMore: page.hasMore, isLoading: false, ...(page.totalCount === undefined ? {} : { totalCount: page.totalCount }) };
  }, [peeked]);
  const getSnapshot = store ? store.getSnapshot : () => seeded;
  const snapshot = useSyncExternalStore(store ? store.subscribe : noSubscription, getSnapshot, getSnapshot);

  const current = useRef(store);
  current.current = store;
  const actions = useMemo(() => {
    const query = () => {
      const q = current.current;
      if (!q) throw new Error("useLiveList: the list is not running (it is disabled, or not mounted yet)");
      return q;
    };
    const mutate: LiveMutate<T> = {
      create: (data) => query().mutate.create(data),
      update: (id, data) => query().mutate.update(id, data),
      delete: (id) => query().mutate.delete(id),
    };
    return { mutate, refresh: () => current.current?.refresh() ?? Promise.resolve(), loadMore: () => current.current?.loadMore() ?? Promise.resolve() };
  }, []);

  return useMemo(
    () => ({
      ...snapshot,
      statusLabel: statusLabel(snapshot.status, snapshot.pendingCount),
      isLive: snapshot.status === "live",
      isOffline: snapshot.status === "offline",
      isReconnecting: snapshot.status === "reconnecting",
      ...actions,
    }),
    [snapshot, actions],
  ) as unknown as UseLiveListResult<LiveItem<T, K>>;
}

/**
 * `useLiveList` with paging in the shape infinite scrollers expect.
 * @example
 * const { items, fetchNextPage, hasNextPage } = useInfiniteList<Todo>("/api/todos", { limit: 20, orderBy: "-createdAt" });
 */
export function useInfiniteList<T extends Row, const K extends keyof T & string = never>(
  source: LiveSource<T>,
  options: UseLiveListOptions<T, K> = {},
): UseInfiniteListResult<LiveItem<T, K>> {
  const list = useLiveList<T, K>(source, options);
  return useMemo(() => ({ ...list, fetchNextPage: list.loadMore, hasNextPage: list.hasMore, isFetchingNextPage: list.isLoadingMore }), [list]);
}
