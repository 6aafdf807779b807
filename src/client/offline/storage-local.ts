/**
 * `LocalStorageOfflineStorage`: the queue as one JSON array under a localStorage key. Shared by
 * every tab of the origin and kept across reloads. Each method reads and writes synchronously, so
 * two tabs never interleave inside one update. Without localStorage it stores nothing.
 * @module
 */
import type { OfflineMutation, OfflineStorage } from "./types.js";

/** The part of the Web Storage API used here (also what React Native polyfills offer). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** `globalThis.localStorage` when it exists and can be touched (some privacy modes throw). */
export function localStore(): KeyValueStore | undefined {
  try {
    const store = (globalThis as { localStorage?: KeyValueStore }).localStorage;
    return store && typeof store.getItem === "function" ? store : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A queue persisted in localStorage.
 * @example
 * const storage = new LocalStorageOfflineStorage("my-app-mutations");
 */
export class LocalStorageOfflineStorage implements OfflineStorage {
  readonly key: string;
  readonly #store: KeyValueStore | undefined;

  /** `store` defaults to `globalThis.localStorage`. */
  constructor(key = "covara_offline_mutations", store: KeyValueStore | undefined = localStore()) {
    this.key = key;
    this.#store = store;
  }

  getMutations(): OfflineMutation[] {
    if (!this.#store) return [];
    try {
      const parsed: unknown = JSON.parse(this.#store.getItem(this.key) ?? "[]");
      return Array.isArray(parsed) ? (parsed as OfflineMutation[]).sort((a, b) => a.timestamp - b.timestamp) : [];
    } catch {
      // A corrupt entry (hand-edited, cut by a quota error) must not wedge the app.
      return [];
    }
  }

  addMutation(mutation: OfflineMutation): void {
    this.#write([...this.getMutations().filter((m) => m.id !== mutation.id), mutation]);
  }

  updateMutation(id: string, patch: Partial<OfflineMutation>): void {
    this.#write(this.getMutations().map((m) => (m.id === id ? { ...m, ...patch } : m)));
  }

  removeMutation(id: string): void {
    this.#write(this.getMutations().filter((m) => m.id !== id));
  }

  clear(): void {
    this.#store?.removeItem(this.key);
  }

  #write(mutations: OfflineMutation[]): void {
    if (!this.#store) return;
    if (mutations.length === 0) this.#store.removeItem(this.key);
    else this.#store.setItem(this.key, JSON.stringify(mutations));
  }
}
