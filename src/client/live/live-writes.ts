/**
 * Optimistic writes of a live list (spec 80 §6.3): the change shows at once, then goes to the
 * attached offline manager (which queues it while offline) or straight to the server. A create's
 * temporary row is replaced, never duplicated, by the server row (create response, `added` event
 * with `meta.optimisticId`, or an id mapping from offline sync). Without an offline manager, an
 * update or delete of a row still being created waits for its server id. A rejected write is
 * rolled back and reported.
 * @module
 */
import { TransportError } from "../errors.js";
import type { Row, WriteOptions } from "../resource-types.js";
import type { ResourceClient } from "../resource.js";
import type { LiveOfflineManager, MutationRef } from "./offline-events.js";
import { optimisticId, type OptimisticState } from "./optimistic.js";
import type { LiveRows } from "./rows.js";
import type { LiveMutate } from "./types.js";

/** What the writes need from their live list. */
export interface WritesContext<T extends Row> {
  resource: ResourceClient<T, any>;
  local: OptimisticState<T>;
  rows: LiveRows<T>;
  manager: () => LiveOfflineManager | undefined;
  /** Adjusts the list's `totalCount`. */
  total: (delta: number) => void;
  changed: () => void;
  failed: (error: unknown) => void;
}

/** A promise the caller may ignore without an unhandled rejection. */
function handled<P extends Promise<unknown>>(promise: P): P {
  promise.catch(() => undefined);
  return promise;
}

const withoutEcho = <T>(row: T): T => {
  const { _optimisticId: _echo, ...rest } = row as Record<string, unknown>;
  return rest as T;
};

/** The optimistic write path of one live list. */
export class LiveWrites<T extends Row> {
  readonly mutate: LiveMutate<T>;
  readonly #ctx: WritesContext<T>;
  /** Creates sent without an offline manager: optimistic id → server id (undefined if it failed). */
  readonly #creating = new Map<string, Promise<string | undefined>>();

  constructor(ctx: WritesContext<T>) {
    this.#ctx = ctx;
    this.mutate = {
      create: (data) => this.#create(data),
      update: (id, data) => this.#update(String(id), data),
      delete: (id) => this.#delete(String(id)),
    };
  }

  resolve(id: string): string {
    return this.#ctx.local.resolve(this.#ctx.manager()?.resolveId?.(id) ?? id);
  }

  /** Local creates not on the server yet, minus local deletes not applied there yet. */
  unsentDelta(): number {
    return this.#ctx.local.creates.size - this.#ctx.local.unackedDeletes();
  }

  /**
   * The server id of an optimistic create is known. `row` is the server row (`fresh` when it came
   * from an event, which is never older than the create response). Returns false when the id is
   * not one of this list's creates.
   */
  reconcile(optimistic: string, serverId: string, row?: T, fresh = false): boolean {
    const { local, rows } = this.#ctx;
    const pending = local.creates.get(optimistic);
    const known = local.knows(optimistic);
    if (!pending && !known) return false;
    if (!known) local.reconcile(optimistic, serverId);
    if (row) {
      if (fresh || !rows.has(serverId)) rows.place(withoutEcho(row), true);
    } else if (pending && !rows.has(serverId)) {
      rows.place({ ...pending, id: serverId }, true);
    }
    return true;
  }

  /** The offline manager sent a mutation of this list's resource. */
  synced(mutation: MutationRef, data: T | undefined): void {
    const { local } = this.#ctx;
    if (mutation.type === "create" && mutation.optimisticId && data && data.id !== undefined) this.reconcile(mutation.optimisticId, String(data.id), data);
    else if (mutation.type === "update" && mutation.objectId) local.ackPatch(this.resolve(mutation.objectId));
    else if (mutation.type === "delete" && mutation.objectId) local.ackRemove(this.resolve(mutation.objectId));
  }

  /** The offline manager gave up on a mutation (rejected or discarded): undo it here. */
  dropped(mutation: MutationRef, error: unknown): void {
    if (mutation.type === "create" && mutation.optimisticId) return this.#rollbackCreate(mutation.optimisticId, error);
    if (!mutation.objectId) return;
    const id = this.resolve(mutation.objectId);
    if (mutation.type === "update") this.#ctx.local.dropPatch(id);
    else this.#undelete(id);
    this.#ctx.failed(error);
  }

  #create(data: Partial<T>): string {
    const { local, resource, manager } = this.#ctx;
    const id = optimisticId();
    local.creates.set(id, { ...data, id } as T);
    this.#ctx.total(1);
    this.#ctx.changed();
    const viaManager = manager() !== undefined;
    const serverId = resource.create(data, { optimisticId: id }).then(
      (result) => {
        // Through an offline manager the answer is the optimistic row; the server id comes later.
        if (!result || String(result.id) === id) return undefined;
        this.reconcile(id, String(result.id), result);
        this.#ctx.changed();
        return String(result.id);
      },
      (error: unknown) => {
        this.#rollbackCreate(id, error);
        return undefined;
      },
    );
    if (!viaManager) this.#creating.set(id, serverId);
    return id;
  }

  /** Where a write to `id` must go: the server id, waiting for a create in flight without a manager. */
  async #target(id: string): Promise<string | undefined> {
    if (this.#ctx.manager()) return id;
    const creating = this.#creating.get(id);
    return creating ? await creating : this.resolve(id);
  }

  #update(id: string, data: Partial<T>): Promise<void> {
    const { local, rows } = this.#ctx;
    const key = this.resolve(id);
    // The row as shown when the edit was made: the base of the offline `merge` conflict strategy.
    const shown = rows.rows.find((row) => String(row.id) === key) ?? local.creates.get(key);
    local.patch(key, data as Record<string, unknown>);
    this.#ctx.changed();
    const options: WriteOptions & { baseState?: unknown } = { baseState: shown ? local.overlay(shown) : undefined };
    const send = async () => {
      const target = await this.#target(key);
      if (target === undefined) return; // its create failed and was rolled back
      const viaManager = this.#ctx.manager() !== undefined;
      await this.#ctx.resource.update(target, data, options);
      if (!viaManager) local.ackPatch(this.resolve(key));
    };
    return handled(
      send().catch((error: unknown) => {
        local.dropPatch(this.resolve(key));
        this.#ctx.failed(error);
        throw error;
      }),
    );
  }

  #delete(id: string): Promise<void> {
    const { local, rows } = this.#ctx;
    const key = this.resolve(id);
    if (local.isDeleted(key)) return Promise.resolve();
    const shown = rows.has(key) || local.creates.has(key);
    local.remove(key);
    if (shown) this.#ctx.total(-1);
    this.#ctx.changed();
    const send = async () => {
      const target = await this.#target(key);
      if (target === undefined) {
        local.unremove(key);
        return;
      }
      const viaManager = this.#ctx.manager() !== undefined;
      try {
        await this.#ctx.resource.delete(target);
      } catch (error) {
        // Already gone on the server: that is what the user wanted.
        if (!(error instanceof TransportError && error.status === 404)) throw error;
        rows.remove(target);
      }
      if (!viaManager) local.ackRemove(this.resolve(key));
    };
    return handled(
      send().catch((error: unknown) => {
        this.#undelete(this.resolve(key));
        this.#ctx.failed(error);
        throw error;
      }),
    );
  }

  #undelete(id: string): void {
    const { local, rows } = this.#ctx;
    if (!local.isDeleted(id)) return;
    local.unremove(id);
    if (rows.has(id) || local.creates.has(id)) this.#ctx.total(1);
    this.#ctx.changed();
  }

  #rollbackCreate(id: string, error: unknown): void {
    const { local } = this.#ctx;
    if (local.creates.delete(id)) {
      // Created then deleted locally: the two already cancelled out in the count.
      if (local.isDeleted(id)) local.unremove(id);
      else this.#ctx.total(-1);
    }
    this.#ctx.failed(error);
  }
}
