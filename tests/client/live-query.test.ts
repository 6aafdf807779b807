/**
 * `createLiveQuery` without React or DOM (spec 80 §6.3, §7.1), against a real server: the store
 * contract (stable snapshots, listeners, destroy), and the offline seam: writes handed to an
 * attached offline manager, id mappings and sync events from it, pending patches re-applied over
 * refetches (O11) and local deletes kept out of them (O10), a rejected queued write rolled back.
 * The manager here is a small queue written for this test against the seam's types (the real one
 * lives in src/client/offline/); it talks HTTP to the same server.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createClient, type CovaraClient, type OfflineManagerLike, type OfflineWrite } from "../../src/client/index.js";
import { acquireLiveQuery, createLiveQuery, remapOptimisticId, resolveLiveQuery, type LiveOfflineEvent, type LiveQuery } from "../../src/client/live/index.js";
import { eventually, openDb, serve, writeThroughApp, type TestDb, type TestServer, type Todo } from "./fixture.js";

/**
 * A write queue with the seam's optional event stream: queues while offline, sends in order when
 * online. It emits only the event fields live lists read, so it is attached with `attach` below
 * rather than typed as a full manager.
 */
class TestQueue {
  online = true;
  readonly queue: OfflineWrite[] = [];
  readonly remapped: [string, string][] = [];
  readonly #ids = new Map<string, string>();
  readonly #listeners = new Set<(event: LiveOfflineEvent) => void>();
  #flushing: Promise<void> | undefined;

  constructor(private readonly origin: string) {}

  getPendingCount = () => this.queue.length;
  resolveId = (id: string) => this.#ids.get(id) ?? id;
  getIsOnline = () => this.online;

  subscribe(listener: (event: LiveOfflineEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async write(write: OfflineWrite): Promise<unknown> {
    this.queue.push(write);
    this.#emit({ type: "queued", mutation: { type: write.kind === "replace" ? "update" : write.kind, resource: write.resource, objectId: write.id, optimisticId: write.optimisticId } });
    if (this.online) void this.flush();
    return write.kind === "delete" ? undefined : { ...(write.data as object), id: write.kind === "create" ? write.optimisticId : write.id };
  }

  setOnline(online: boolean): Promise<void> {
    this.online = online;
    this.#emit({ type: "online", online });
    return online ? this.flush() : Promise.resolve();
  }

  flush(): Promise<void> {
    return (this.#flushing ??= this.#send().finally(() => (this.#flushing = undefined)));
  }

  async #send(): Promise<void> {
    while (this.online && this.queue.length > 0) {
      const write = this.queue[0]!;
      const id = write.id === undefined ? undefined : this.resolveId(write.id);
      const method = { create: "POST", update: "PATCH", replace: "PUT", delete: "DELETE" }[write.kind];
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (write.optimisticId) headers["x-covara-optimistic-id"] = write.optimisticId;
      const response = await fetch(`${this.origin}${write.resource}${id === undefined ? "" : `/${id}`}`, { method, headers, body: write.data === undefined ? undefined : JSON.stringify(write.data) });
      this.queue.shift();
      const body = response.status === 204 ? undefined : await response.json();
      const mutation = { type: write.kind === "replace" ? "update" : write.kind, resource: write.resource, objectId: write.id, optimisticId: write.optimisticId } as const;
      if (!response.ok) {
        this.#emit({ type: "dropped", mutation, error: Object.assign(new Error("rejected"), { status: response.status }) });
        continue;
      }
      if (write.kind === "create" && write.optimisticId && !this.#ids.has(write.optimisticId)) {
        this.#ids.set(write.optimisticId, String(body.id));
        this.remapped.push([write.optimisticId, String(body.id)]);
        this.#emit({ type: "id-remapped", optimisticId: write.optimisticId, serverId: String(body.id) });
      }
      this.#emit({ type: "synced", mutation, data: body });
    }
    this.#emit({ type: "sync-complete", remote: false });
  }

  #emit(event: LiveOfflineEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

const attach = (client: CovaraClient, manager: TestQueue) => client.attachOffline(manager as unknown as OfflineManagerLike);

describe("createLiveQuery", () => {
  let db: TestDb;
  let server: TestServer;
  let client: CovaraClient;
  let query: LiveQuery<Todo> | undefined;

  const titles = () => query!.getSnapshot().items.map((t) => t.title);
  const live = () => eventually(() => query!.getSnapshot().status === "live", 5000, "live");
  const open = (options = {}) => (query = createLiveQuery(client.resource<Todo>("/api/todos"), { orderBy: "position", ...options }, {}, { client }));

  beforeAll(async () => {
    db = openDb();
    server = await serve({ db });
  });
  afterAll(async () => {
    await server.close();
    db.close();
  });
  beforeEach(async () => {
    db.reset();
    client = createClient({ baseUrl: server.origin });
    for (const [i, title] of ["a", "b"].entries()) await writeThroughApp(server.app, "POST", "/api/todos", { title, position: (i + 1) * 10 });
  });
  afterEach(() => {
    query?.destroy();
    query = undefined;
    client.attachOffline(undefined);
  });

  it("is a store: stable snapshots, listeners on change, and nothing after destroy", async () => {
    expect(typeof (globalThis as { document?: unknown }).document).toBe("undefined");
    open();
    const first = query!.getSnapshot();
    expect(first).toMatchObject({ items: [], status: "loading", isLoading: true });
    expect(query!.getSnapshot()).toBe(first);
    let calls = 0;
    const stop = query!.subscribe(() => calls++);
    await live();
    expect(titles()).toEqual(["a", "b"]);
    expect(calls).toBeGreaterThan(0);
    expect(query!.getSnapshot().lastSeq).toBeGreaterThan(0);
    stop();
    const before = calls;
    await writeThroughApp(server.app, "POST", "/api/todos", { title: "c", position: 30 });
    await eventually(() => titles().length === 3);
    expect(calls).toBe(before);
    query!.destroy();
    await writeThroughApp(server.app, "POST", "/api/todos", { title: "d", position: 40 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(titles()).toEqual(["a", "b", "c"]);
  });

  it("hands writes to the offline manager; an offline create is shown at once and reconciled after sync", async () => {
    const manager = new TestQueue(server.origin);
    attach(client, manager);
    open();
    await live();
    await manager.setOnline(false);
    expect(query!.getSnapshot().status).toBe("offline");

    const temp = query!.mutate.create({ title: "offline", position: 5 });
    await Promise.resolve();
    expect(titles()).toEqual(["offline", "a", "b"]);
    expect(query!.getSnapshot().items[0]!.id).toBe(temp);
    expect(manager.getPendingCount()).toBe(1);
    expect(query!.getSnapshot().pendingCount).toBe(1);

    // Edits of the temporary row are queued under its id; the manager maps it when sending.
    void query!.mutate.update(temp, { title: "offline, edited" });
    expect(titles()).toEqual(["offline, edited", "a", "b"]);
    await manager.setOnline(true);
    await eventually(() => query!.getSnapshot().status === "live" && query!.getSnapshot().items[0]!.id === 3, 5000, "reconciled");
    expect(titles()).toEqual(["offline, edited", "a", "b"]);
    expect(manager.remapped).toEqual([[temp, "3"]]);
    expect(query!.resolveId(temp)).toBe("3");
    expect((await client.resource<Todo>("/api/todos").get(3)).title).toBe("offline, edited");
    await eventually(() => query!.getSnapshot().pendingCount === 0, 3000, "queue drained");
  });

  it("re-applies a pending update over refetches and keeps a pending delete out of them (O10, O11)", async () => {
    const manager = new TestQueue(server.origin);
    attach(client, manager);
    open();
    await live();
    await manager.setOnline(false);
    void query!.mutate.update(1, { title: "A (local)" });
    void query!.mutate.delete(2);
    expect(titles()).toEqual(["A (local)"]);
    await writeThroughApp(server.app, "PATCH", "/api/todos/1", { position: 15 });
    await writeThroughApp(server.app, "POST", "/api/todos", { title: "c", position: 30 });
    await query!.refresh();
    expect(titles()).toEqual(["A (local)", "c"]);
    expect(query!.getSnapshot().items[0]).toMatchObject({ id: 1, position: 15 });
    await manager.setOnline(true);
    await eventually(() => JSON.stringify(titles()) === JSON.stringify(["A (local)", "c"]) && manager.queue.length === 0, 5000, "synced");
    await query!.refresh();
    expect(titles()).toEqual(["A (local)", "c"]);
    expect((await client.resource<Todo>("/api/todos").list({ orderBy: "position" })).items.map((t) => t.title)).toEqual(["A (local)", "c"]);
  });

  it("rolls back a queued write the server rejects", async () => {
    const manager = new TestQueue(server.origin);
    attach(client, manager);
    const errors: unknown[] = [];
    query = createLiveQuery(client.resource<Todo>("/api/todos"), { orderBy: "position" }, { onError: (e) => errors.push(e) }, { client });
    await live();
    await manager.setOnline(false);
    query.mutate.create({ done: true }); // no title: 400 when it is sent
    void query.mutate.update(1, { title: null as unknown as string });
    expect(query.getSnapshot().items).toHaveLength(3);
    await manager.setOnline(true);
    await eventually(() => errors.length === 2, 5000, "two rejections");
    expect(titles()).toEqual(["a", "b"]);
    expect(query.getSnapshot().totalCount).toBe(2);
  });

  it("learns server ids from remapOptimisticId when no event says so", async () => {
    query = acquireLiveQuery(client, resolveLiveQuery<Todo>(client, "/api/todos", { orderBy: "position" }));
    await live();
    client.attachOffline({ getPendingCount: () => 1, write: async (w) => ({ ...(w.data as object), id: w.optimisticId }) });
    const temp = query!.mutate.create({ title: "queued elsewhere", position: 1 });
    await Promise.resolve();
    expect(titles()).toEqual(["queued elsewhere", "a", "b"]);
    expect(remapOptimisticId(client, temp, "42")).toBe(1);
    expect(query!.getSnapshot().items[0]).toMatchObject({ id: "42", title: "queued elsewhere" });
    expect(query!.resolveId(temp)).toBe("42");
  });
});
