/**
 * Query invalidation and prefetch as hooks (spec 80 §7.2): `useInvalidate()` refetches cached
 * live lists under a path (or matching a predicate); `usePrefetch()` loads a list before a
 * component shows it, so `useLiveList` renders it without a loading state.
 * @module
 */
import { useCallback } from "react";
import { getClient } from "../client.js";
import type { InvalidateTarget } from "../query-cache.js";
import type { ListOptions, ListResult, Row } from "../resource-types.js";

/**
 * A function that refetches the cached queries matching `target` and returns how many matched.
 * @example
 * const invalidate = useInvalidate();
 * invalidate("/api/todos");
 */
export function useInvalidate(): (target: InvalidateTarget) => number {
  return useCallback((target: InvalidateTarget) => getClient().invalidate(target), []);
}

/**
 * A function that prefetches a list into the query cache (`client.prefetch`).
 * @example
 * const prefetch = usePrefetch();
 * <Link onMouseEnter={() => prefetch("/api/todos", { orderBy: "position" })} />
 */
export function usePrefetch(): <T extends Row = Row & Record<string, unknown>>(path: string, options?: ListOptions<T, never>) => Promise<ListResult<T>> {
  return useCallback(<T extends Row>(path: string, options?: ListOptions<T, never>) => getClient().prefetch<T>(path, options), []);
}
