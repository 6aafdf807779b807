/**
 * The client object (spec 80 §1, §7.2): global registration, prefetch and invalidation through
 * the query cache, and the offline seam that offline support plugs into.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createClient, getClient, getOrCreateClient, PrefetchedList, type OfflineWrite } from "../../src/client/index.js";
import { eventually, openDb, serve, writeThroughApp, type TestDb, type TestServer, type Todo } from "./fixture.js";

type GlobalWithClient = typeof globalThis & { __covaraClient?: unknown };

describe("client", () => {
  let db: TestDb;
  let server: TestServer;

  beforeAll(async () => {
    db = openDb();
    server = await serve({ db });
  });
  afterAll(async () => {
    await server.close();
    db.close();
  });
  beforeEach(() => {
    db.reset();
    delete (globalThis as GlobalWithClient).__covaraClient;
  });

  it("registers on globalThis: createClient always wins, getOrCreateClient reuses, getClient throws before", () => {
    expect(() => getClient()).toThrow("Covara client not initialized");
    const first = getOrCreateClient({ baseUrl: "http://one.example" });
    expect(getOrCreateClient({ baseUrl: "http://two.example" })).toBe(first);
    expect(getClient().config.baseUrl).toBe("http://one.example");
    const second = createClient({ baseUrl: "http://three.example" });
    expect(getClient()).toBe(second);
    expect((globalThis as GlobalWithClient).__covaraClient).toBe(second);
    expect(() => createClient({} as never)).toThrow(/baseUrl/);
  });

  it("prefetches a list into the query cache and invalidate refetches it", async () => {
    const client = createClient({ baseUrl: server.origin });
    await writeThroughApp(server.app, "POST", "/api/todos", { title: "a" });
    const page = await client.prefetch<Todo>("/api/todos", { orderBy: "id" });
    expect(page.items.map((t) => t.title)).toEqual(["a"]);
    const cached = client.queryCache.get(client.queryCache.key("/api/todos", { orderBy: "id" })) as PrefetchedList<Todo>;
    expect(cached).toBeInstanceOf(PrefetchedList);
    expect(cached.data).toEqual(page);

    await writeThroughApp(server.app, "POST", "/api/todos", { title: "b" });
    expect(client.invalidate("/api/other")).toBe(0);
    expect(client.invalidate("/api/todos")).toBe(1);
    await eventually(() => cached.data?.items.length === 2);
    expect(client.invalidate((path, options) => path === "/api/todos" && options.orderBy === "id")).toBe(1);
    // Prefetching the same query again refreshes the cached one.
    await writeThroughApp(server.app, "POST", "/api/todos", { title: "c" });
    expect((await client.prefetch<Todo>("/api/todos", { orderBy: "id" })).items).toHaveLength(3);
    expect(client.queryCache.queries()).toHaveLength(1);
  });

  it("reference-counts cached queries and destroys the last one released", () => {
    const client = createClient({ baseUrl: server.origin });
    let destroyed = 0;
    const make = () => ({ path: "/x", options: {}, refresh: async () => {}, destroy: () => void destroyed++ });
    const key = client.queryCache.key("/x", { b: 1, a: 2 });
    expect(client.queryCache.key("/x", { a: 2, b: 1 })).toBe(key);
    const one = client.queryCache.acquire(key, make);
    expect(client.queryCache.acquire(key, make)).toBe(one);
    client.queryCache.release(key);
    expect(destroyed).toBe(0);
    client.queryCache.release(key);
    expect(destroyed).toBe(1);
    expect(client.queryCache.get(key)).toBeUndefined();
  });

  it("routes optimistic writes through an attached offline manager, and reports its queue", async () => {
    // Without `offline` nothing is attached until a manager is plugged in by hand.
    const client = createClient({ baseUrl: server.origin });
    expect(client.offline).toBeUndefined();
    expect(client.getPendingCount()).toBe(0);
    const writes: OfflineWrite[] = [];
    client.attachOffline({
      getPendingCount: () => writes.length,
      write: async (w) => (writes.push(w), { ...(w.data as object), id: w.id ?? w.optimisticId }),
    });
    const todos = client.resource<Todo>("/api/todos");
    expect(await todos.create({ title: "later" }, { optimisticId: "optimistic_1" })).toEqual({ title: "later", id: "optimistic_1" });
    await todos.delete(5);
    expect(writes).toEqual([
      { kind: "create", resource: "/api/todos", id: undefined, data: { title: "later" }, optimisticId: "optimistic_1" },
      { kind: "delete", resource: "/api/todos", id: "5", data: undefined, optimisticId: undefined },
    ]);
    expect(client.getPendingCount()).toBe(2);
    // `optimistic: false` waits for the server.
    expect(await todos.create({ title: "now" }, { optimistic: false })).toMatchObject({ id: 1, title: "now" });
    expect(writes).toHaveLength(2);
  });
});
