/**
 * The local writes a live list shows before the server confirms them (spec 80 §6.3): pending
 * creates under their `optimistic_…` ids, pending patches re-applied over whatever the server
 * sends until a `changed` event confirms them, and deleted ids kept out of refetches and events
 * until `removed` arrives. Also the optimistic → server id mapping learned on the way.
 * @module
 */

type Fields = Record<string, unknown>;

/** A pending patch; `acked` once the server (not just the offline queue) accepted it. */
interface Patch {
  data: Fields;
  acked: boolean;
}

/** `optimistic_<epochMs>_<9 base-36 chars>` (spec 80 §2). */
export function optimisticId(): string {
  return `optimistic_${Date.now()}_${Math.random().toString(36).slice(2, 11).padEnd(9, "0")}`;
}

/** Whether an id is a temporary one. */
export const isOptimisticId = (id: string) => id.startsWith("optimistic_");

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * Merges a patch into a row. A changed foreign key (`categoryId`) without its relation
 * (`category`) in the patch drops the embedded relation, which would now be wrong, until the
 * server's copy brings the right one.
 */
export function applyPatch<T>(row: T, data: Fields): T {
  const out: Fields = { ...(row as Fields), ...data };
  for (const key of Object.keys(data)) {
    if (key.length > 2 && key.endsWith("Id")) {
      const relation = key.slice(0, -2);
      if (!(relation in data)) delete out[relation];
    }
  }
  return out as T;
}

/** Pending local writes of one live list. */
export class OptimisticState<T extends { id: unknown }> {
  /** Pending creates by optimistic id, in creation order. */
  readonly creates = new Map<string, T>();
  readonly #patches = new Map<string, Patch>();
  /** Deleted ids → whether the server acknowledged the delete. */
  readonly #deletes = new Map<string, boolean>();
  readonly #ids = new Map<string, string>();

  /** The server id of an optimistic id, else the id. */
  resolve(id: string): string {
    return this.#ids.get(id) ?? id;
  }

  /** Whether the server id of an optimistic create is known. */
  knows(optimistic: string): boolean {
    return this.#ids.has(optimistic);
  }

  isDeleted(id: string): boolean {
    return this.#deletes.has(id);
  }

  hasPatch(id: string): boolean {
    return this.#patches.has(id);
  }

  /** What to show for a server row: nothing when deleted locally, else the row with its pending patch. */
  overlay(row: T): T | undefined {
    const id = String(row.id);
    if (this.#deletes.has(id)) return undefined;
    const patch = this.#patches.get(id);
    return patch ? applyPatch(row, patch.data) : row;
  }

  /** Remembers a patch (merged with one still pending for the same row). */
  patch(id: string, data: Fields): void {
    const previous = this.#patches.get(id);
    this.#patches.set(id, { data: { ...previous?.data, ...data }, acked: false });
  }

  /** The server accepted the patch of `id`: the next server copy of the row may replace it. */
  ackPatch(id: string): void {
    const patch = this.#patches.get(id);
    if (patch) patch.acked = true;
  }

  dropPatch(id: string): void {
    this.#patches.delete(id);
  }

  /** A `changed` event arrived: a patch it agrees with, or one already acknowledged, is done. */
  confirm(row: T): void {
    const id = String(row.id);
    const patch = this.#patches.get(id);
    if (!patch) return;
    const fields = row as Fields;
    if (patch.acked || Object.entries(patch.data).every(([key, value]) => !(key in fields) || same(fields[key], value))) this.#patches.delete(id);
  }

  /** A refetch returned: acknowledged patches and deletes are settled by what the server says now. */
  settle(present: ReadonlySet<string>): void {
    for (const [id, patch] of this.#patches) if (patch.acked) this.#patches.delete(id);
    for (const [id, acked] of this.#deletes) if (acked && !present.has(id)) this.#deletes.delete(id);
  }

  remove(id: string): void {
    this.#deletes.set(id, false);
  }

  /** Local deletes the server has not acknowledged yet. */
  unackedDeletes(): number {
    let count = 0;
    for (const acked of this.#deletes.values()) if (!acked) count++;
    return count;
  }

  ackRemove(id: string): void {
    if (this.#deletes.has(id)) this.#deletes.set(id, true);
  }

  /** `removed` arrived, or the delete failed: the id is no longer suppressed. */
  unremove(id: string): void {
    this.#deletes.delete(id);
  }

  /**
   * The server id of an optimistic create is known: the pending row leaves, and a patch or delete
   * made under the optimistic id moves to the server id. Returns the pending row, if it was there.
   */
  reconcile(optimistic: string, serverId: string): T | undefined {
    const pending = this.creates.get(optimistic);
    this.creates.delete(optimistic);
    this.#ids.set(optimistic, serverId);
    const patch = this.#patches.get(optimistic);
    if (patch) {
      this.#patches.delete(optimistic);
      const existing = this.#patches.get(serverId);
      this.#patches.set(serverId, { data: { ...existing?.data, ...patch.data }, acked: patch.acked && (existing?.acked ?? true) });
    }
    if (this.#deletes.has(optimistic)) {
      this.#deletes.set(serverId, this.#deletes.get(optimistic)!);
      this.#deletes.delete(optimistic);
    }
    return pending;
  }

  /** Forgets everything (the list was destroyed). */
  clear(): void {
    this.creates.clear();
    this.#patches.clear();
    this.#deletes.clear();
    this.#ids.clear();
  }
}
