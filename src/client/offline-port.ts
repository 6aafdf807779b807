/**
 * The seam offline support plugs into (spec 80 §6). The client core holds no offline code: an
 * offline manager attached with `client.attachOffline(manager)` receives optimistic writes and
 * reports its queue length; without one, writes go straight to the server. Type-only.
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
}

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
}
