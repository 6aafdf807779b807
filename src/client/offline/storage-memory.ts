/**
 * `InMemoryOfflineStorage`: the queue in a plain array. Lost on reload; the default for an
 * `OfflineConfig` without `storage`, and the fallback in React Native and Node.
 * @module
 */
import type { OfflineMutation, OfflineStorage } from "./types.js";

/**
 * A queue that lives as long as the page (or process).
 * @example
 * createClient({ baseUrl, offline: { enabled: true, storage: new InMemoryOfflineStorage() } });
 */
export class InMemoryOfflineStorage implements OfflineStorage {
  #mutations: OfflineMutation[] = [];

  /** Copies, oldest first, so callers cannot change the stored entries. */
  getMutations(): OfflineMutation[] {
    return this.#mutations.map((m) => ({ ...m })).sort((a, b) => a.timestamp - b.timestamp);
  }

  addMutation(mutation: OfflineMutation): void {
    // Adding an id that is already there replaces it (a tab re-adding what another tab stored).
    this.#mutations = [...this.#mutations.filter((m) => m.id !== mutation.id), { ...mutation }];
  }

  updateMutation(id: string, patch: Partial<OfflineMutation>): void {
    this.#mutations = this.#mutations.map((m) => (m.id === id ? { ...m, ...patch } : m));
  }

  removeMutation(id: string): void {
    this.#mutations = this.#mutations.filter((m) => m.id !== id);
  }

  clear(): void {
    this.#mutations = [];
  }
}
