/**
 * `createLiveAggregate`: aggregate groups the server recomputes on every change (spec 20 §11),
 * as a store with a stable snapshot, for `useLiveAggregate` and non-React callers alike.
 * @module
 */
import type { AggregateSubscribeOptions, AggregateSubscription } from "../aggregate-subscription.js";
import type { Row } from "../resource-types.js";
import type { ResourceClient } from "../resource.js";

/** State of a live aggregate. */
export interface LiveAggregateSnapshot<G> {
  /** The last result, null until the first one arrived. */
  data: { groups: G[] } | null;
  /** `data.groups`, or an empty array. */
  groups: G[];
  status: "loading" | "live" | "reconnecting" | "error";
  /** The last recompute or connection error; cleared by the next result. */
  error: unknown;
}

/** A live aggregate store. */
export interface LiveAggregate<G> {
  getSnapshot(): LiveAggregateSnapshot<G>;
  subscribe(listener: () => void): () => void;
  destroy(): void;
}

/**
 * Subscribes to live aggregate groups of `resource`.
 * @example
 * const byStatus = createLiveAggregate(client.resource<Todo>("/api/todos"), { groupBy: ["done"], count: true });
 * byStatus.subscribe(() => console.log(byStatus.getSnapshot().groups));
 */
export function createLiveAggregate<G = Record<string, unknown>, T extends Row = Row>(resource: ResourceClient<T, any>, options: AggregateSubscribeOptions): LiveAggregate<G> {
  const listeners = new Set<() => void>();
  let snapshot: LiveAggregateSnapshot<G> = { data: null, groups: [], status: "loading", error: null };
  let connected = false;
  let fatal = false;
  let destroyed = false;
  const set = (patch: Partial<LiveAggregateSnapshot<G>>) => {
    if (destroyed) return;
    const next = { ...snapshot, ...patch };
    next.status = fatal ? "error" : !next.data ? "loading" : connected ? "live" : "reconnecting";
    snapshot = next;
    for (const listener of [...listeners]) listener();
  };
  const subscription: AggregateSubscription<G> = resource.subscribeAggregate<G>(options, {
    onData: (data) => set({ data, groups: data.groups, error: null }),
    onConnectionChange: (isConnected) => {
      connected = isConnected;
      if (isConnected) fatal = false;
      set({});
    },
    onError: (error) => {
      // `SubscriptionError` is a failed recompute (the stream stays open); anything else stopped it.
      if ((error as { name?: string } | null)?.name !== "SubscriptionError") fatal = true;
      set({ error });
    },
  });
  return {
    getSnapshot: () => snapshot,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    destroy() {
      destroyed = true;
      listeners.clear();
      subscription.unsubscribe();
    },
  };
}
