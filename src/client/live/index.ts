/**
 * Live queries (spec 80 §6.3, §7.1): framework-free stores of live lists and live aggregates,
 * shared through `client.queryCache`. The React hooks are built on them; other frameworks can
 * use them directly.
 * @module
 */
export { createLiveQuery, LiveList, type LiveClient, type LiveQueryContext } from "./live-query.js";
export { acquireLiveQuery, peekLiveQuery, remapOptimisticId, resolveLiveQuery, type LiveSource, type ResolvedLiveQuery } from "./cache.js";
export { createLiveAggregate, type LiveAggregate, type LiveAggregateSnapshot } from "./live-aggregate.js";
export { isOptimisticId } from "./optimistic.js";
export type { LiveOfflineEvent, LiveOfflineManager, MutationRef } from "./offline-events.js";
export type { LiveMutate, LiveQuery, LiveQueryCallbacks, LiveQueryLike, LiveQueryOptions, LiveSnapshot, LiveStatus, SubscriptionMode } from "./types.js";
