/**
 * `createOfflineStorage` (spec 80 §6.1, contract O13): the most durable queue storage this
 * environment has: IndexedDB, else localStorage, else memory.
 * @module
 */
import { IndexedDBOfflineStorage, isIndexedDBAvailable } from "./storage-indexeddb.js";
import { LocalStorageOfflineStorage, localStore } from "./storage-local.js";
import { InMemoryOfflineStorage } from "./storage-memory.js";
import type { OfflineStorage } from "./types.js";

/** Options of `createOfflineStorage`. */
export interface CreateOfflineStorageOptions {
  /** Try IndexedDB first (default true). */
  preferIndexedDB?: boolean;
  /** localStorage key (default `covara_offline_mutations`). */
  storageKey?: string;
  /** IndexedDB database name (default `covara-offline`). */
  dbName?: string;
}

/**
 * Picks IndexedDB → localStorage → memory, by feature detection.
 * @example
 * createClient({ baseUrl, offline: { enabled: true, storage: createOfflineStorage() } });
 */
export function createOfflineStorage(options: CreateOfflineStorageOptions = {}): OfflineStorage {
  if ((options.preferIndexedDB ?? true) && isIndexedDBAvailable()) return new IndexedDBOfflineStorage(options.dbName);
  if (localStore()) return new LocalStorageOfflineStorage(options.storageKey);
  return new InMemoryOfflineStorage();
}
