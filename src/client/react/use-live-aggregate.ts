/**
 * `useLiveAggregate` (spec 80 §7.1): aggregate groups the server recomputes on every change of
 * the resource (spec 20 §11), e.g. counts per status that update as rows come and go.
 * @module
 */
import { useEffect, useMemo, useState, useSyncExternalStore } from "react";
import type { AggregateSubscribeOptions } from "../aggregate-subscription.js";
import { getClient } from "../client.js";
import type { Row } from "../resource-types.js";
import type { ResourceClient } from "../resource.js";
import { createLiveAggregate, type LiveAggregate, type LiveAggregateSnapshot } from "../live/live-aggregate.js";

/** Options of `useLiveAggregate`. */
export interface UseLiveAggregateOptions extends AggregateSubscribeOptions {
  /** Default true; false closes the stream. */
  enabled?: boolean;
}

/** What `useLiveAggregate` returns. */
export interface UseLiveAggregateResult<G> extends LiveAggregateSnapshot<G> {
  isLoading: boolean;
  isLive: boolean;
  isReconnecting: boolean;
}

const EMPTY: LiveAggregateSnapshot<never> = { data: null, groups: [], status: "loading", error: null };
const noSubscription = () => () => undefined;

/**
 * Live aggregate groups of a resource.
 * @example
 * const { groups } = useLiveAggregate<{ key: { done: boolean }; count: number }>("/api/todos", { groupBy: ["done"], count: true });
 */
export function useLiveAggregate<G = Record<string, unknown>, T extends Row = Row>(
  source: string | ResourceClient<T, any>,
  options: UseLiveAggregateOptions = {},
): UseLiveAggregateResult<G> {
  const client = getClient();
  const { enabled = true, ...query } = options;
  const path = typeof source === "string" ? source : source.path;
  const key = enabled ? client.queryCache.key(path, query as Record<string, unknown>) : undefined;
  const [store, setStore] = useState<{ key: string; aggregate: LiveAggregate<G> }>();

  useEffect(() => {
    if (!key) return;
    const resource = typeof source === "string" ? client.resource<T>(source) : source;
    const aggregate = createLiveAggregate<G, T>(resource, query);
    setStore({ key, aggregate });
    return () => aggregate.destroy();
    // `key` covers path and query: a new options object with the same content must not reopen the stream.
  }, [client, key]);

  const current = store && store.key === key ? store.aggregate : undefined;
  const getSnapshot = current ? current.getSnapshot : () => EMPTY as LiveAggregateSnapshot<G>;
  const snapshot = useSyncExternalStore(current ? current.subscribe : noSubscription, getSnapshot, getSnapshot);
  return useMemo(
    () => ({ ...snapshot, isLoading: snapshot.status === "loading", isLive: snapshot.status === "live", isReconnecting: snapshot.status === "reconnecting" }),
    [snapshot],
  );
}
