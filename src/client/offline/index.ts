/**
 * `covara/client/offline`: offline support (spec 80 §6) as its own entry, so `covara/client`
 * stays small. `createClient({ offline })` loads it by itself; import from here to choose a
 * storage, build a manager for custom sync, or use `mergeConflict`.
 * @module
 */
export { createOfflineManager, type OfflineManagerOptions } from "./manager.js";
export { enableOffline, createClientOfflineManager, resolveOfflineConfig } from "./attach.js";
export { InMemoryOfflineStorage } from "./storage-memory.js";
export { LocalStorageOfflineStorage, type KeyValueStore } from "./storage-local.js";
export { IndexedDBOfflineStorage, isIndexedDBAvailable } from "./storage-indexeddb.js";
export { createOfflineStorage, type CreateOfflineStorageOptions } from "./create-storage.js";
export { mergeConflict } from "./merge.js";
export { createOptimisticId, isOptimisticId, remapIds } from "./ids.js";
export { createTabSync, type TabSync, type TabMessage, type TabSyncOptions } from "./tab-sync.js";
export type {
  OfflineConfig,
  OfflineStorage,
  OfflineMutation,
  OfflineEvent,
  OfflineWrite,
  OfflineManager,
  ConflictStrategy,
  ConflictResolution,
  SyncResult,
  MutationInput,
} from "./types.js";
