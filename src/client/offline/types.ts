/**
 * Types of offline support (spec 80 §6.1): the configuration, the storage port a queue persists
 * through, conflict resolution, and the manager's public surface (`client.offline`). Type-only.
 * @module
 */
import type { OfflineEvent, OfflineManagerLike, OfflineMutation, OfflineWrite } from "../offline-port.js";

export type { OfflineEvent, OfflineMutation, OfflineWrite };

/**
 * Where the queue lives. Methods may be sync or async; the manager awaits them. A storage shared
 * by several tabs (localStorage, IndexedDB) is what lets `tabSync` hand one tab's writes to another.
 */
export interface OfflineStorage {
  getMutations(): Promise<OfflineMutation[]> | OfflineMutation[];
  addMutation(mutation: OfflineMutation): Promise<void> | void;
  updateMutation(id: string, patch: Partial<OfflineMutation>): Promise<void> | void;
  removeMutation(id: string): Promise<void> | void;
  clear(): Promise<void> | void;
}

/** How a 409/412 conflict is settled when no `onConflict` decides. */
export type ConflictStrategy = "server-wins" | "client-wins" | "merge" | "manual";

/** What `onConflict` returns: send again as is, drop it, or send this data instead. */
export type ConflictResolution = "retry" | "discard" | { data: unknown; retryWith?: "create" | "update" };

/** `offline` as an object (spec 80 §6.1). */
export interface OfflineConfig {
  /** Must be true; `{ enabled: false }` turns offline support off. */
  enabled: boolean;
  /** Where the queue is kept. Default: in memory (`offline: true` picks localStorage when there is one). */
  storage?: OfflineStorage;
  /** Sync attempts before a mutation stays `failed` (default 3). */
  maxRetries?: number;
  /** Backoff base in ms (default 1000): the next automatic attempt waits `retryDelay × 2^(retryCount−1)`. */
  retryDelay?: number;
  /** Default `"server-wins"`. */
  conflictResolution?: ConflictStrategy;
  /** Decides every conflict instead of the strategy. `serverState` is `null` when the row is gone. */
  onConflict?: (mutation: OfflineMutation, serverState: unknown, error: unknown) => ConflictResolution | Promise<ConflictResolution>;
  /** An optimistic id received its server id (at most once per optimistic id). */
  onIdRemapped?: (optimisticId: string, serverId: string) => void;
  /** Window of the enqueue dedupe and update merging, in ms (default 5000). */
  dedupeWindowMs?: number;
  /** Coordinate tabs over `BroadcastChannel`: `true` (channel `covara-tab-sync`) or a channel name. */
  tabSync?: boolean | string;
}

/** What a custom `onMutationSync` reports for one mutation. */
export interface SyncResult {
  success: boolean;
  /** The id the server gave a created row. */
  serverId?: string;
  /** The stored row, when there is one. */
  data?: unknown;
  /** The row's new `ETag`, when the server sent one. */
  etag?: string;
  /** Why it failed: a `TransportError` is classified by status (409/412 conflict, 4xx rejected, else retried). */
  error?: unknown;
}

/** Fields of a mutation a caller provides to `queueMutation`; the rest is filled in. */
export interface MutationInput {
  type: OfflineMutation["type"];
  resource: string;
  data?: unknown;
  objectId?: string;
  optimisticId?: string;
  replace?: boolean;
  ifMatch?: string;
  baseState?: unknown;
  /** Your own idempotency key (default: generated); a mutation with a key already queued is skipped. */
  idempotencyKey?: string;
}

/** `client.offline`: the offline manager (spec 80 §6.1). */
export interface OfflineManager extends OfflineManagerLike {
  /** Settles once the stored queue has been read. */
  readonly ready: Promise<void>;
  /** Queued mutations (pending, in flight and failed), oldest first. */
  getPendingMutations(): Promise<OfflineMutation[]>;
  /** Runs a sync pass now (ignoring backoff waits); resolves when it ended. */
  syncPendingMutations(): Promise<void>;
  /** Empties the queue and forgets the id mappings. */
  clearMutations(): Promise<void>;
  /** Adds a mutation (dedupe and update merging apply); resolves with the id of the queued entry. */
  queueMutation(input: MutationInput): Promise<string>;
  getIsOnline(): boolean;
  /** Reports connectivity (React Native's NetInfo); going online starts a sync. */
  setOnlineStatus(online: boolean): void;
  resolveId(id: string): string;
  /** Records that `optimisticId` is `serverId` now (fires `onIdRemapped` unless already known). */
  registerIdMapping(optimisticId: string, serverId: string): void;
  getIdMappings(): Map<string, string>;
  hasPendingMutationsForId(id: string): boolean;
  subscribe(listener: (event: OfflineEvent) => void): () => void;
  /** Shorthand for the `id-remapped` events; returns the unsubscribe function. */
  onIdRemapped(listener: (optimisticId: string, serverId: string) => void): () => void;
  broadcastInvalidate(paths: string[]): void;
  /** Whether this tab sends the queue (always true without `tabSync`). */
  isLeader(): boolean;
  destroy(): void;
}
