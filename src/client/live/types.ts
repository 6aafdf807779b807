/**
 * Types of live queries (spec 80 §7.1): the options a live list takes, the snapshot it exposes,
 * and its optimistic `mutate` API. Shared by `createLiveQuery` and the React hooks. Type-only.
 * @module
 */
import type { Row } from "../resource-types.js";
import type { ResourceClient } from "../resource.js";

/**
 * How live events are placed in the list:
 * - `strict` (default with `limit`): `orderBy` order, and while more pages exist, rows that sort
 *   after the last loaded row stay out (they belong to a page not loaded yet), as a fresh GET would;
 * - `sorted`: `orderBy` order (id order without one) for every row, loaded or arriving;
 * - `live` (default without `limit`): `orderBy` order when given, else arrival order;
 * - `append` / `prepend`: new rows go to the end / the start; changed rows keep their place.
 */
export type SubscriptionMode = "strict" | "sorted" | "append" | "prepend" | "live";

/** Connection state of a live list. */
export type LiveStatus = "loading" | "live" | "reconnecting" | "offline" | "error";

/** Options of a live list. */
export interface LiveQueryOptions<T, K extends keyof T = never> {
  /** RSQL filter for the page and the subscription. */
  filter?: string;
  /** `"f:asc,g:desc"`; `-f` also means descending. */
  orderBy?: string;
  /** Page size (the server's default page size when absent). */
  limit?: number;
  /** Relations to embed. */
  include?: string | readonly string[];
  /** Fields to return; items are then `Pick<T, K | "id">`. */
  select?: readonly K[];
  /** Event placement; default `strict` with `limit`, else `live`. */
  subscriptionMode?: SubscriptionMode;
}

/** What a live list shows: a new object on every change, the same object otherwise. */
export interface LiveSnapshot<T> {
  items: T[];
  /**
   * `loading` until the stream is live for the first time (the first page may already be shown),
   * then `live`, or `reconnecting` while the stream is down.
   */
  status: LiveStatus;
  /** Nothing to show yet: no page was fetched (or prefetched). */
  isLoading: boolean;
  /** The last load, stream or write error; cleared by the next success. */
  error: unknown;
  /** Queued offline mutations (0 without offline support). */
  pendingCount: number;
  /** Changelog position of the stream (0 until it synced). */
  lastSeq: number;
  hasMore: boolean;
  /** Rows matching the filter on the server, adjusted ±1 for local creates and deletes. */
  totalCount?: number;
  isLoadingMore: boolean;
}

/** Optimistic writes of a live list (spec 80 §6.3). */
export interface LiveMutate<T> {
  /** Inserts the row at once and returns its temporary id (`optimistic_…`). */
  create(data: Partial<T>): string;
  /** Merges `data` into the row at once; resolves when the server (or the offline queue) took it. */
  update(id: string | number, data: Partial<T>): Promise<void>;
  /** Removes the row at once; resolves when the server (or the offline queue) took it. */
  delete(id: string | number): Promise<void>;
}

/** Callbacks of `createLiveQuery`. */
export interface LiveQueryCallbacks {
  /** A load, stream or write failed (a failed write has been rolled back). */
  onError?: (error: unknown) => void;
}

/**
 * A query prepared elsewhere (generated typed clients): its own filter, orderBy, limit, select and
 * include win over the hook's options.
 */
export interface LiveQueryLike<T extends Row = Row> {
  /** The resource's mount path. */
  readonly path: string;
  readonly query: Omit<LiveQueryOptions<T, keyof T>, "subscriptionMode">;
  /** The typed resource client, when the generator has one. */
  readonly resource?: ResourceClient<T, any>;
}

/** The framework-free live list behind `useLiveList`. */
export interface LiveQuery<T> {
  readonly path: string;
  /** Current state; the same object until something changes. */
  getSnapshot(): LiveSnapshot<T>;
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  readonly mutate: LiveMutate<T>;
  /** Reloads the first page (pending local writes stay applied on top). */
  refresh(): Promise<void>;
  /** Loads the next page and appends it. */
  loadMore(): Promise<void>;
  /** The server id an optimistic id was replaced by (the id itself when unknown). */
  resolveId(id: string): string;
  /** Replaces an optimistic row by its server row id (learned by offline sync). */
  remapId(optimisticId: string, serverId: string): void;
  /** Closes the stream and stops timers. */
  destroy(): void;
}
