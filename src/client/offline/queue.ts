/**
 * The mutation queue: an in-memory mirror of the storage, so counts and lookups answer
 * synchronously (`getPendingCount`, `hasPendingMutationsForId`), with every change written through
 * to the storage in order. Also the enqueue rules of spec 80 §6.2 (dedupe, update merging).
 * @module
 */
import type { OfflineMutation, OfflineStorage } from "./types.js";

/** What to do with a new mutation, given the queue. */
export type EnqueuePlan =
  | { kind: "add" }
  | { kind: "skip"; target: OfflineMutation }
  | { kind: "merge"; target: OfflineMutation; patch: Partial<OfflineMutation> };

const open = (m: OfflineMutation) => m.status === "pending" || m.status === "failed";

/**
 * Spec 80 §6.2, against pending and failed entries: the same idempotency key → skip; within
 * `windowMs`: a create with the same resource and optimistic id → skip; an update of the same row
 * → merged into the queued update (later fields win); a second delete of the same row → skip.
 */
export function planEnqueue(mutation: OfflineMutation, queued: readonly OfflineMutation[], windowMs: number, now: number): EnqueuePlan {
  for (const entry of queued) {
    if (!open(entry) || entry.id === mutation.id) continue;
    if (entry.idempotencyKey === mutation.idempotencyKey) return { kind: "skip", target: entry };
    if (now - entry.timestamp > windowMs || entry.resource !== mutation.resource || entry.type !== mutation.type) continue;
    if (mutation.type === "create") {
      if (mutation.optimisticId !== undefined && entry.optimisticId === mutation.optimisticId) return { kind: "skip", target: entry };
    } else if (mutation.objectId !== undefined && entry.objectId === mutation.objectId) {
      if (mutation.type === "delete") return { kind: "skip", target: entry };
      const earlier = entry.data !== null && typeof entry.data === "object" ? entry.data : {};
      const later = mutation.data !== null && typeof mutation.data === "object" ? mutation.data : {};
      return {
        kind: "merge",
        target: entry,
        patch: {
          // A PUT replaces the row, so what was patched before it no longer matters.
          data: mutation.replace ? later : { ...earlier, ...later },
          replace: entry.replace || mutation.replace || undefined,
          timestamp: mutation.timestamp,
          // The body changed: a key already used for the old body would be refused as a mismatch.
          idempotencyKey: mutation.idempotencyKey,
          // The base of the first edit is what the server held before any of them.
          ifMatch: entry.ifMatch ?? mutation.ifMatch,
          baseState: entry.baseState ?? mutation.baseState,
          // A fresh edit revives an update that had run out of retries.
          status: "pending",
          retryCount: 0,
          error: undefined,
        },
      };
    }
  }
  return { kind: "add" };
}

const byTime = (a: OfflineMutation, b: OfflineMutation) => a.timestamp - b.timestamp;

/** The queue mirror over one storage. */
export class MutationQueue {
  readonly #storage: OfflineStorage;
  readonly #onError: (error: unknown) => void;
  #items: OfflineMutation[] = [];
  #writes: Promise<void> = Promise.resolve();
  /** Bumped by every local change, so a reload can tell it raced one. */
  #version = 0;
  #lastStamp = 0;
  /** Settles once the stored queue has been read. */
  readonly ready: Promise<void>;

  constructor(storage: OfflineStorage, onError: (error: unknown) => void) {
    this.#storage = storage;
    this.#onError = onError;
    this.ready = this.reload();
  }

  /** The queue, oldest first. */
  list(): readonly OfflineMutation[] {
    return this.#items;
  }

  get(id: string): OfflineMutation | undefined {
    return this.#items.find((m) => m.id === id);
  }

  /**
   * A timestamp for a new or refreshed entry: `now`, or just after the newest one when the clock
   * has not moved, so enqueue order and timestamp order never disagree (O4).
   */
  stamp(now: number): number {
    const newest = Math.max(this.#lastStamp, ...this.#items.map((m) => m.timestamp));
    this.#lastStamp = Math.max(now, newest + 1);
    return this.#lastStamp;
  }

  add(mutation: OfflineMutation): Promise<void> {
    this.#change(() => [...this.#items.filter((m) => m.id !== mutation.id), mutation].sort(byTime));
    return this.#persist((s) => s.addMutation({ ...mutation }));
  }

  update(id: string, patch: Partial<OfflineMutation>): Promise<void> {
    this.#change(() => this.#items.map((m) => (m.id === id ? { ...m, ...patch } : m)).sort(byTime));
    return this.#persist((s) => s.updateMutation(id, patch));
  }

  remove(id: string): Promise<void> {
    this.#change(() => this.#items.filter((m) => m.id !== id));
    return this.#persist((s) => s.removeMutation(id));
  }

  clear(): Promise<void> {
    this.#change(() => []);
    return this.#persist((s) => s.clear());
  }

  /** Re-reads the storage (another tab changed it), after the writes already queued. */
  reload(): Promise<void> {
    const read = async (): Promise<void> => {
      const version = this.#version;
      const stored = [...(await this.#storage.getMutations())].sort(byTime);
      // A local change landed while reading: its write is queued behind us, so read again after it.
      if (version !== this.#version) return void this.#chain(read);
      this.#items = stored;
    };
    return this.#chain(read);
  }

  /** Resolves when every queued storage write is done. */
  settled(): Promise<void> {
    return this.#writes;
  }

  #change(next: () => OfflineMutation[]): void {
    this.#version++;
    this.#items = next();
  }

  #persist(write: (storage: OfflineStorage) => Promise<void> | void): Promise<void> {
    return this.#chain(async () => {
      await write(this.#storage);
    });
  }

  #chain(step: () => Promise<void>): Promise<void> {
    const run = this.#writes.then(step).catch((error: unknown) => this.#onError(error));
    this.#writes = run;
    return run;
  }
}
