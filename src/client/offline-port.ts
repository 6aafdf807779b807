/**
 * The seam offline support plugs into (spec 80 §6). The client core holds no offline code: an
 * offline manager attached with `client.attachOffline(manager)` receives optimistic writes and
 * reports its queue length; without one, writes go straight to the server. Live queries reach the
 * manager's id mappings and sync events through the optional members. Type-only.
 * @module
 */

/** One optimistic write handed to the offline manager. */
export interface OfflineWrite {
  kind: "create" | "update" | "replace" | "delete";
  /** The resource's mount path (`/api/todos`). */
  resource: string;
  /** Row id (update, replace, delete). */
  id?: string;
  data?: unknown;
  /** Temporary id of a create. */
  optimisticId?: string;
  /** `If-Match` to send (an ETag the caller read); else the manager uses one it learned itself. */
  ifMatch?: string;
  /** The row as the caller held it when the edit was made: the base of a three-way `merge`. */
  baseState?: unknown;
}

/** A queued write (spec 80 §6.1). */
export interface OfflineMutation {
  id: string;
  /** Sent as `X-Idempotency-Key`: `<type>-<resource>[-<objectId>]-<base36 time>-<random>`. */
  idempotencyKey: string;
  type: "create" | "update" | "delete";
  /** Mount path of the resource. */
  resource: string;
  data?: unknown;
  /** The row an update or delete targets (an optimistic id until its create synced). */
  objectId?: string;
  /** The temporary id of a create. */
  optimisticId?: string;
  /** The server id a create received. */
  serverId?: string;
  /** Enqueue time in ms; the queue is sent in this order. */
  timestamp: number;
  retryCount: number;
  status: "pending" | "processing" | "failed" | "synced";
  /** Message of the last failure. */
  error?: string;
  /** An update sent as `PUT` (the whole row) instead of `PATCH`. */
  replace?: boolean;
  /** `If-Match` to send. */
  ifMatch?: string;
  /** The row before the edit, for the `merge` conflict strategy. */
  baseState?: unknown;
}

/**
 * What an offline manager reports to live queries and hooks:
 * - `queued`: a write entered the queue (or was merged into a queued update);
 * - `synced`: the server accepted a mutation (`data` is the stored row for create/update);
 * - `failed`: a send failed and will be retried (or stays `failed` at `maxRetries`);
 * - `dropped`: the mutation left the queue unsent: the server rejected it (4xx) or a conflict
 *   discarded it; live queries roll back its optimistic change;
 * - `id-remapped`: an optimistic id now has a server id (at most once per optimistic id);
 * - `sync-complete`: a sync pass ended (`remote`: in another tab);
 * - `invalidate`: another tab asked to refetch these paths;
 * - `online`: the connectivity status changed.
 */
export type OfflineEvent =
  | { type: "queued"; mutation: OfflineMutation }
  | { type: "synced"; mutation: OfflineMutation; data?: unknown }
  | { type: "failed"; mutation: OfflineMutation; error: unknown }
  | { type: "dropped"; mutation: OfflineMutation; reason: "rejected" | "conflict"; error?: unknown }
  | { type: "id-remapped"; optimisticId: string; serverId: string }
  | { type: "sync-complete"; remote: boolean }
  | { type: "invalidate"; paths: string[] }
  | { type: "online"; online: boolean };

/** What the client core needs from an offline manager. */
export interface OfflineManagerLike {
  /** Queued (pending and failed) mutations. */
  getPendingCount(): number;
  /**
   * Applies a write optimistically and sends it in the background (queued while offline).
   * Resolves with the optimistic result: `{ ...data, id }` for create/update/replace.
   */
  write(write: OfflineWrite): Promise<unknown>;
  /** Stops timers and listeners. */
  destroy?(): void;
  /** Tells other tabs to refetch queries under these paths (`client.invalidate` calls it). */
  broadcastInvalidate?(paths: string[]): void;
  /** Listens to queue, sync and id-mapping events; returns the unsubscribe function. */
  subscribe?(listener: (event: OfflineEvent) => void): () => void;
  /** The server id of an optimistic id once known, else the id itself. */
  resolveId?(id: string): string;
  /** Whether a queued mutation targets this row (by optimistic or server id). */
  hasPendingMutationsForId?(id: string): boolean;
}
