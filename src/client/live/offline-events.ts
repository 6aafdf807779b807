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
const isUnder = (path: string, prefix: string): boolean => path === prefix || path.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`);

/** What a live list does about manager events. */
export interface ManagerHandlers {
  remap(optimisticId: string, serverId: string): void;
  /** A mutation of this list's resource was sent (`data`: the stored row). */
  synced(mutation: MutationRef, data: unknown): void;
  /** A mutation of this list's resource was given up: undo it. */
  dropped(mutation: MutationRef, error: unknown): void;
  refresh(): void;
  online(online: boolean): void;
  /** Something else happened (the queue length may differ). */
  changed(): void;
}

/**
 * Follows the client's offline manager, which may be attached after the list started (offline
 * support loads lazily): call `follow()` now and then to pick up a new one.
 */
export class ManagerFollower {
  current: LiveOfflineManager | undefined;
  #unlisten: (() => void) | undefined;
  readonly #lookup: () => LiveOfflineManager | undefined;
  readonly #path: string;
  readonly #handlers: ManagerHandlers;

  constructor(lookup: () => LiveOfflineManager | undefined, path: string, handlers: ManagerHandlers) {
    this.#lookup = lookup;
    this.#path = path;
    this.#handlers = handlers;
    this.follow();
  }

  follow(): void {
    const manager = this.#lookup();
    if (manager === this.current) return;
    this.stop();
    this.current = manager;
    if (manager?.subscribe) this.#unlisten = manager.subscribe((event) => this.#on(event));
  }

  stop(): void {
    this.#unlisten?.();
    this.#unlisten = undefined;
  }

  #on(event: LiveOfflineEvent): void {
    const h = this.#handlers;
    switch (event.type) {
      case "id-remapped":
        return h.remap(event.optimisticId, String(event.serverId));
      case "synced":
      case "dropped":
        if (event.mutation.resource.replace(/\/+$/, "") !== this.#path) return;
        if (event.type === "synced") return h.synced(event.mutation, event.data);
        return h.dropped(event.mutation, event.error ?? new Error("The server rejected an offline change"));
      case "sync-complete":
        // Another tab synced: what it wrote reaches this tab only by refetching (spec 80 §6.4).
        if (event.remote) h.refresh();
        return h.changed();
      case "invalidate":
        if (event.paths.some((path) => isUnder(this.#path, path))) h.refresh();
        return;
      case "online":
        return h.online(event.online);
      default:
        return h.changed();
    }
  }
}
