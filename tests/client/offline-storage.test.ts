/**
 * Queue storages (spec 80 §6.1, contracts O3, O13): the three built-ins behave alike, a durable
 * queue survives a reload and syncs afterwards (IndexedDB through fake-indexeddb, the IndexedDB
 * implementation these Node tests use; localStorage through an in-memory Web Storage), ids learned
 * before the reload stay applied, and `createOfflineStorage` picks IndexedDB → localStorage → memory.
 */
import * as fakeIndexedDB from "fake-indexeddb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createClient } from "../../src/client/index.js";
import {
  createOfflineStorage,
  enableOffline,
  IndexedDBOfflineStorage,
  InMemoryOfflineStorage,
  isIndexedDBAvailable,
  LocalStorageOfflineStorage,
  type OfflineMutation,
  type OfflineStorage,
} from "../../src/client/offline/index.js";
import { eventually, type Todo } from "./fixture.js";
import { MemoryStorage, serveOffline, setGlobal, type OfflineServer } from "./offline-fixture.js";

/** Installs a fresh fake IndexedDB (the factory and the IDB* classes idb checks against) on globalThis. */
function withIndexedDB(): () => void {
  const classes = Object.entries(fakeIndexedDB).filter(([name]) => name.startsWith("IDB"));
  const restore = [setGlobal("indexedDB", new fakeIndexedDB.IDBFactory()), ...classes.map(([name, value]) => setGlobal(name, value))];
  return () => restore.reverse().forEach((undo) => undo());
}

const mutation = (id: string, timestamp: number, extra: Partial<OfflineMutation> = {}): OfflineMutation => ({
  id,
  idempotencyKey: `k-${id}`,
  type: "create",
  resource: "/api/todos",
  data: { title: id, nested: { list: [1, 2] } },
  optimisticId: `optimistic_${id}`,
  timestamp,
  retryCount: 0,
  status: "pending",
  ...extra,
});

describe.each([
  ["InMemoryOfflineStorage", () => new InMemoryOfflineStorage()],
  ["LocalStorageOfflineStorage", () => new LocalStorageOfflineStorage("q", new MemoryStorage())],
  ["IndexedDBOfflineStorage", () => new IndexedDBOfflineStorage(`db-${Math.random()}`)],
] as const)("%s", (_name, make) => {
  let restore: () => void;
  beforeAll(() => {
    restore = withIndexedDB();
  });
  afterAll(() => restore());

  it("adds, updates, removes and clears, returning the queue oldest first", async () => {
    const storage: OfflineStorage = make();
    expect(await storage.getMutations()).toEqual([]);
    await storage.addMutation(mutation("b", 20));
    await storage.addMutation(mutation("a", 10));
    await storage.addMutation(mutation("c", 30));
    expect((await storage.getMutations()).map((m) => m.id)).toEqual(["a", "b", "c"]);
    await storage.updateMutation("b", { status: "failed", retryCount: 2, error: "boom" });
    await storage.updateMutation("missing", { status: "failed" });
    await storage.removeMutation("a");
    const left = await storage.getMutations();
    expect(left).toEqual([mutation("b", 20, { status: "failed", retryCount: 2, error: "boom" }), mutation("c", 30)]);
    // Adding an id again replaces the entry instead of duplicating it.
    await storage.addMutation(mutation("c", 30, { data: { title: "c2" } }));
    expect((await storage.getMutations()).map((m) => m.data)).toEqual([{ title: "b", nested: { list: [1, 2] } }, { title: "c2" }]);
    await storage.clear();
    expect(await storage.getMutations()).toEqual([]);
  });
});

describe("durable queues", () => {
  let srv: OfflineServer;
  let restoreIDB: () => void;
  const titles = async () => (await createClient({ baseUrl: srv.origin }).resource<Todo>("/api/todos").list({ orderBy: "id" })).items.map((t) => t.title);

  beforeAll(async () => {
    srv = await serveOffline();
    restoreIDB = withIndexedDB();
  });
  afterAll(async () => {
    restoreIDB();
    await srv.close();
  });
  beforeEach(() => {
    srv.db.reset();
    srv.log.length = 0;
    Object.assign(srv.faults, { fail: 0, loseResponse: 0, match: () => true });
  });

  /** Queues three writes offline with one storage, "reloads" (a new client and storage object), and syncs. */
  const survivesReload = async (open: () => OfflineStorage) => {
    const before = createClient({ baseUrl: srv.origin });
    const first = enableOffline(before, { enabled: true, storage: open() });
    first.setOnlineStatus(false);
    const todos = before.resource<Todo>("/api/todos");
    const a = await todos.create({ title: "a" });
    await todos.create({ title: "b" });
    await todos.update(a.id, { title: "a (edited)" });
    first.destroy();

    const after = createClient({ baseUrl: srv.origin });
    const second = enableOffline(after, { enabled: true, storage: open() });
    try {
      await second.ready;
      expect((await second.getPendingMutations()).map((m) => m.type)).toEqual(["create", "create", "update"]);
      expect(after.getPendingCount()).toBe(3);
      await second.syncPendingMutations();
      expect(second.getPendingCount()).toBe(0);
      expect(await titles()).toEqual(["a (edited)", "b"]);
      expect(srv.log.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /api/todos", "POST /api/todos", "PATCH /api/todos/1"]);
    } finally {
      second.destroy();
    }
  };

  it("O3: an IndexedDB queue survives a reload and syncs afterwards", async () => {
    const name = `reload-${Math.random()}`;
    await survivesReload(() => new IndexedDBOfflineStorage(name));
  });

  it("O3: a localStorage queue survives a reload and syncs afterwards", async () => {
    const shared = new MemoryStorage();
    await survivesReload(() => new LocalStorageOfflineStorage("app-queue", shared));
  });

  it("O3: an id learned before the reload is already written into the queued mutations", async () => {
    const name = `mapped-${Math.random()}`;
    const before = createClient({ baseUrl: srv.origin });
    const first = enableOffline(before, { enabled: true, storage: new IndexedDBOfflineStorage(name), maxRetries: 5 });
    first.setOnlineStatus(false);
    const todos = before.resource<Todo>("/api/todos");
    const a = await todos.create({ title: "a" });
    await todos.update(a.id, { done: true });
    srv.faults.match = (method) => method === "PATCH";
    srv.faults.fail = 1;
    first.setOnlineStatus(true);
    await eventually(() => srv.log.length === 2, 5000, "the create and the failed update");
    first.destroy();

    const second = enableOffline(createClient({ baseUrl: srv.origin }), { enabled: true, storage: new IndexedDBOfflineStorage(name) });
    try {
      await second.ready;
      expect(second.getIdMappings().size).toBe(0);
      expect((await second.getPendingMutations()).map((m) => [m.type, m.objectId])).toEqual([["update", "1"]]);
      await second.syncPendingMutations();
      expect(srv.log.at(-1)).toMatchObject({ method: "PATCH", path: "/api/todos/1", status: 200 });
    } finally {
      second.destroy();
    }
  });

  it("`offline: true` keeps the queue in localStorage under covara-mutations when there is one", async () => {
    const store = new MemoryStorage();
    const restore = setGlobal("localStorage", store);
    try {
      const client = createClient({ baseUrl: srv.origin, offline: true });
      expect(client.offline).toBeDefined();
      client.offline!.setOnlineStatus(false);
      await client.resource<Todo>("/api/todos").create({ title: "kept" });
      expect(JSON.parse(store.getItem("covara-mutations")!)).toEqual([expect.objectContaining({ type: "create", data: { title: "kept" } })]);
      client.offline!.destroy();
    } finally {
      restore();
    }
  });
});

describe("createOfflineStorage (O13)", () => {
  it("picks IndexedDB, else localStorage, else memory", () => {
    const noIDB = setGlobal("indexedDB", undefined);
    const noLocal = setGlobal("localStorage", undefined);
    try {
      expect(isIndexedDBAvailable()).toBe(false);
      expect(createOfflineStorage()).toBeInstanceOf(InMemoryOfflineStorage);

      const local = setGlobal("localStorage", new MemoryStorage());
      expect(createOfflineStorage()).toBeInstanceOf(LocalStorageOfflineStorage);
      expect((createOfflineStorage({ storageKey: "k" }) as LocalStorageOfflineStorage).key).toBe("k");

      const idb = withIndexedDB();
      expect(isIndexedDBAvailable()).toBe(true);
      const picked = createOfflineStorage({ dbName: "mine" });
      expect(picked).toBeInstanceOf(IndexedDBOfflineStorage);
      expect((picked as IndexedDBOfflineStorage).dbName).toBe("mine");
      expect(createOfflineStorage({ preferIndexedDB: false })).toBeInstanceOf(LocalStorageOfflineStorage);
      idb();
      local();
    } finally {
      noLocal();
      noIDB();
    }
  });

  it("treats an IndexedDB that throws on access as absent", () => {
    const restore = setGlobal("indexedDB", undefined);
    Object.defineProperty(globalThis, "indexedDB", {
      configurable: true,
      get() {
        throw new Error("SecurityError");
      },
    });
    try {
      expect(isIndexedDBAvailable()).toBe(false);
    } finally {
      restore();
    }
  });
});
