/**
 * What a live list reads from an attached offline manager beyond the core seam's `write` and
 * `getPendingCount` (spec 80 §6.3–§6.4): its event stream (id mappings, synced and dropped
 * mutations, sync completion, invalidations from other tabs, connectivity), its id resolution and
 * its online flag. All optional: a manager without them still queues writes, and the live list
 * then learns server ids from `added` events alone. Structural, so it matches the manager's own
 * `OfflineEvent` without importing offline code.
 * @module
 */
import type { OfflineManagerLike } from "../offline-port.js";

/** The part of a queued mutation a live list looks at. */
export interface MutationRef {
  type: "create" | "update" | "delete";
  resource: string;
  objectId?: string;
  optimisticId?: string;
}

/** Manager events a live list reacts to (others are ignored). */
export type LiveOfflineEvent =
  | { type: "synced"; mutation: MutationRef; data?: unknown }
  | { type: "dropped"; mutation: MutationRef; error?: unknown }
  | { type: "id-remapped"; optimisticId: string; serverId: string }
  | { type: "sync-complete"; remote?: boolean }
  | { type: "invalidate"; paths: string[] }
  | { type: "online"; online: boolean }
  | { type: "queued" | "failed"; mutation: MutationRef };

/** An offline manager as a live list sees it. */
export type LiveOfflineManager = OfflineManagerLike & {
  subscribe?(listener: (event: LiveOfflineEvent) => void): () => void;
  resolveId?(id: string): string;
  getIsOnline?(): boolean;
};

/** Whether `path` is `prefix` or below it. */
export const isUnder = (path: string, prefix: string): boolean => path === prefix || path.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`);
