/**
 * `covara/client`: the typed, runtime-neutral client (spec 80): resources, filters, live
 * subscriptions, and auth helpers. Nothing here touches DOM globals at import time; browser APIs
 * (`localStorage`, `location`, `EventSource`) are feature-detected where used, so the same code
 * runs in browsers, React Native, Node and Workers. Never imports server code.
 * @module
 */
export { createClient, getOrCreateClient, getClient, type CovaraClient } from "./client.js";
export type { ClientConfig, OfflineConfig } from "./config.js";
export { Transport, type TransportOptions, type RequestOptions, type TransportResponse, type TokenRefresher, type CsrfEcho } from "./transport.js";
export { TransportError, isAbortError, isTimeoutError } from "./errors.js";
export { toDate, toDateOrNull, isISODateString, reviveDates, type ISODateString, type ParseDatesOption } from "./dates.js";
export { q, f, encodeValue, type FilterValue, type TypedFilter } from "./filter.js";
export { createResourceClient, type ResourceClient, type ResourceContext, type RpcMethod } from "./resource.js";
export type { QueryBuilder, NoAggregation, BuilderGroup } from "./query-builder.js";
export type {
  Row,
  Id,
  Selected,
  CallOptions,
  ListOptions,
  ListResult,
  GetOptions,
  WriteOptions,
  AggregateOptions,
  AggregateGroup,
  AggregateResult,
  NumericKeys,
  ComparableKeys,
  SearchOptions,
  SearchResult,
  ProcedureMap,
} from "./resource-types.js";
export type { SubscribeOptions, SubscriptionCallbacks, Subscription, SubscriptionState, AddedMeta } from "./subscription.js";
export type { AggregateSubscribeOptions, AggregateSubscriptionCallbacks, AggregateSubscription } from "./aggregate-subscription.js";
export { reconnectDelay, type ReconnectOptions } from "./backoff.js";
export { FetchEventSource, StreamUnsupportedError, type EventSourceLike, type EventSourceConstructor, type SseEvent } from "./event-source.js";
export { QueryCache, type CachedQuery, type InvalidateTarget } from "./query-cache.js";
export { PrefetchedList } from "./prefetch.js";
export type { OfflineManagerLike, OfflineWrite, OfflineMutation, OfflineEvent } from "./offline-port.js";
// Types only: the offline code itself is in `covara/client/offline`, loaded when `offline` is set.
export type { OfflineManager, OfflineStorage, ConflictStrategy, ConflictResolution } from "./offline/types.js";
export { resolveAuthStrategy, authHeadersFor, type AuthStrategy, type AuthStrategyInput } from "./auth/strategy.js";
export { createJWTClient, createSessionClient } from "./auth/entry.js";
export type { JWTClient, JWTClientConfig, JWTState, JWTUser } from "./auth/jwt-types.js";
export {
  JWTMemoryTokenStorage,
  JWTLocalStorageTokenStorage,
  KeyValueTokenStorage,
  toTokenStorage,
  type TokenStorage,
  type AsyncStorageLike,
} from "./auth/token-storage.js";
export type { SessionClient, AuthCheck } from "./auth/session.js";
