/**
 * `IndexedDBOfflineStorage`: the queue in an IndexedDB object store (one record per mutation,
 * keyed by id), through `idb`. Survives reloads, is shared by the origin's tabs, and holds far more
 * than localStorage's few megabytes. The database opens on first use, not at construction.
 * @module
 */
import { openDB, type IDBPDatabase } from "idb";
import type { OfflineMutation, OfflineStorage } from "./types.js";

/** Whether IndexedDB can be used here (absent in React Native and Node; may throw in privacy modes). */
export function isIndexedDBAvailable(): boolean {
  try {
    const factory = (globalThis as { indexedDB?: IDBFactory | null }).indexedDB;
    return !!factory && typeof factory.open === "function";
  } catch {
    return false;
  }
}

/**
 * A queue persisted in IndexedDB.
 * @example
 * const storage = new IndexedDBOfflineStorage("my-app-offline");
 */
export class IndexedDBOfflineStorage implements OfflineStorage {
  readonly dbName: string;
  readonly storeName: string;
  #db: Promise<IDBPDatabase> | undefined;

  constructor(dbName = "covara-offline", storeName = "mutations") {
    this.dbName = dbName;
    this.storeName = storeName;
  }

  async getMutations(): Promise<OfflineMutation[]> {
    const all = (await (await this.#open()).getAll(this.storeName)) as OfflineMutation[];
    // Records come back in key order; the queue's order is enqueue time.
    return all.sort((a, b) => a.timestamp - b.timestamp);
  }

  async addMutation(mutation: OfflineMutation): Promise<void> {
    await (await this.#open()).put(this.storeName, mutation);
  }

  async updateMutation(id: string, patch: Partial<OfflineMutation>): Promise<void> {
    const db = await this.#open();
    const tx = db.transaction(this.storeName, "readwrite");
    const current = (await tx.store.get(id)) as OfflineMutation | undefined;
    if (current) await tx.store.put({ ...current, ...patch, id });
    await tx.done;
  }

  async removeMutation(id: string): Promise<void> {
    await (await this.#open()).delete(this.storeName, id);
  }

  async clear(): Promise<void> {
    await (await this.#open()).clear(this.storeName);
  }

  /** Closes the connection (the next call reopens it). */
  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    if (db) (await db.catch(() => undefined))?.close();
  }

  #open(): Promise<IDBPDatabase> {
    return (this.#db ??= this.#connect().catch((error: unknown) => {
      this.#db = undefined;
      throw error;
    }));
  }

  async #connect(version?: number): Promise<IDBPDatabase> {
    const storeName = this.storeName;
    const db = await openDB(this.dbName, version, {
      upgrade(upgrading) {
        if (!upgrading.objectStoreNames.contains(storeName)) upgrading.createObjectStore(storeName, { keyPath: "id" });
      },
      // Another tab wants a newer version: let it, and reopen on our next call.
      blocking: () => {
        db.close();
        this.#db = undefined;
      },
      terminated: () => {
        this.#db = undefined;
      },
    });
    // The database exists without our store (another store name in the same database): add it.
    if (!db.objectStoreNames.contains(storeName)) {
      const next = db.version + 1;
      db.close();
      return this.#connect(next);
    }
    return db;
  }
}
