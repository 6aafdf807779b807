/**
 * `covara/client/react`: React hooks over `covara/client` (spec 80 §7): live lists with optimistic
 * writes, infinite lists, live aggregates, mutations, auth, and query invalidation and prefetch.
 * Every hook finds its client through `getClient()`, so create one (`createClient` or
 * `getOrCreateClient`) before the first hook renders. React is a peer dependency; nothing here
 * touches DOM globals, so the hooks run in React Native too.
 * @module
 */
export { useLiveList, useInfiniteList, statusLabel, type UseLiveListOptions, type UseLiveListResult, type UseInfiniteListResult, type LiveItem } from "./use-live-list.js";
export { useLiveAggregate, type UseLiveAggregateOptions, type UseLiveAggregateResult } from "./use-live-aggregate.js";
export { useMutation, type MutationVars, type MutationContext, type UseMutationOptions, type UseMutationResult } from "./use-mutation.js";
export { useAuth, type UseAuthOptions, type UseAuthResult } from "./use-auth.js";
export { initJWTClient, getJWTClient, useJWTAuth, type UseJWTAuthResult } from "./use-jwt-auth.js";
export { useInvalidate, usePrefetch } from "./use-cache.js";
export {
  createLiveQuery,
  createLiveAggregate,
  remapOptimisticId,
  isOptimisticId,
  type LiveQuery,
  type LiveQueryOptions,
  type LiveQueryCallbacks,
  type LiveQueryLike,
  type LiveSnapshot,
  type LiveStatus,
  type LiveMutate,
  type LiveSource,
  type LiveAggregate,
  type LiveAggregateSnapshot,
  type SubscriptionMode,
} from "../live/index.js";
