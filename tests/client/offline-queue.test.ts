/**
 * Offline queue against a real server (spec 80 §6.2, contracts O1, O2, O4, O5, O8, O10, O11):
 * optimistic results, the headers a create carries, id mappings and `onIdRemapped`, one row per
 * create even when a response is lost, FIFO order, dedupe and update merging, and optimistic ids
 * replaced by server ids before sending.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createClient, type CovaraClient } from "../../src/client/index.js";
import { enableOffline, remapIds, createOfflineManager, type OfflineEvent, type OfflineManager, type OfflineMutation, type OfflineConfig } from "../../src/client/offline/index.js";
import { eventually, type Todo } from "./fixture.js";
import { serveOffline, sleep, type OfflineServer } from "./offline-fixture.js";

describe("offline queue", () => {
  let srv: OfflineServer;
  let client: CovaraClient;
  let offline: OfflineManager;
  let events: OfflineEvent[];
  const remapped = vi.fn();
  const onError = vi.fn();

  const start = (config: Partial<OfflineConfig> = {}) => {
    offline?.destroy();
    client = createClient({ baseUrl: srv.origin, onError });
    offline = enableOffline(client, { enabled: true, retryDelay: 30, onIdRemapped: remapped, ...config });
    events = [];
    offline.subscribe((event) => events.push(event));
    return client.resource<Todo>("/api/todos");
  };
  const rows = async () => (await createClient({ baseUrl: srv.origin }).resource<Todo>("/api/todos").list({ orderBy: "id" })).items;

  beforeAll(async () => {
    srv = await serveOffline();
  });
  afterAll(async () => {
    offline?.destroy();
    await srv.close();
  });
  beforeEach(() => {
    srv.db.reset();
    srv.log.length = 0;
    Object.assign(srv.faults, { fail: 0, loseResponse: 0, match: () => true });
    remapped.mockClear();
    onError.mockClear();
  });
  afterEach(() => offline?.destroy());

  it("O1: a create resolves at once with an optimistic id, then reaches the server with its headers", async () => {
    const todos = start();
    const created = await todos.create({ title: "write tests" });
    expect(created).toEqual({ title: "write tests", id: expect.stringMatching(/^optimistic_\d+_[0-9a-z]{9}$/) });
    const given = await todos.create({ title: "named" }, { optimisticId: "optimistic_1_mine" });
    expect(given.id).toBe("optimistic_1_mine");

    await offline.syncPendingMutations();
    expect(offline.getPendingCount()).toBe(0);
    const posts = srv.log.filter((r) => r.method === "POST");
    expect(posts.map((r) => r.optimisticId)).toEqual([created.id, "optimistic_1_mine"]);
    for (const post of posts) expect(post.idempotencyKey).toMatch(/^create-\/api\/todos-[0-9a-z]+-[0-9a-z]{6}$/);
    expect(new Set(posts.map((r) => r.idempotencyKey)).size).toBe(2);

    const stored = await rows();
    expect(stored.map((t) => t.title)).toEqual(["write tests", "named"]);
    expect(offline.resolveId(String(created.id))).toBe(String(stored[0]!.id));
    expect(offline.getIdMappings()).toEqual(new Map([[String(created.id), "1"], ["optimistic_1_mine", "2"]]));
    expect(remapped.mock.calls).toEqual([[created.id, "1"], ["optimistic_1_mine", "2"]]);
    expect(events.filter((e) => e.type === "synced").map((e) => (e as { data: Todo }).data.title)).toEqual(["write tests", "named"]);
  });

  it("O2: subscribers see the create's optimistic id, so a live list can replace its optimistic row", async () => {
    const todos = start();
    const added: { id: unknown; optimisticId?: string }[] = [];
    const sub = todos.subscribe({}, { onAdded: (row, meta) => added.push({ id: row.id, optimisticId: meta?.optimisticId }) });
    await eventually(() => sub.state.isConnected);
    const created = await todos.create({ title: "seen live" });
    await eventually(() => added.length === 1);
    sub.unsubscribe();
    expect(added).toEqual([{ id: 1, optimisticId: created.id }]);
  });

  it("O2: a create whose response was lost is retried with the same key and stored once; onIdRemapped fires once", async () => {
    const todos = start();
    srv.faults.loseResponse = 1;
    const created = await todos.create({ title: "exactly once" });
    await eventually(() => offline.getPendingCount() === 0, 5000, "the retry");
    const posts = srv.log.filter((r) => r.method === "POST");
    expect(posts).toHaveLength(2);
    expect(posts[1]!.idempotencyKey).toBe(posts[0]!.idempotencyKey);
    expect((await rows()).map((t) => t.title)).toEqual(["exactly once"]);
    expect(remapped).toHaveBeenCalledTimes(1);
    expect(remapped).toHaveBeenCalledWith(created.id, "1");
    // A mapping learned again (another tab, a manual call) does not fire it a second time.
    offline.registerIdMapping(String(created.id), "1");
    expect(remapped).toHaveBeenCalledTimes(1);
    expect(events.filter((e) => e.type === "id-remapped")).toHaveLength(1);
  });

  it("O4, O8: mutations go out in enqueue order with optimistic ids replaced in the path and the body", async () => {
    const todos = start();
    const notes = client.resource<{ id: number; slug: string; title: string; todoId: string | null }>("/api/notes");
    offline.setOnlineStatus(false);
    const a = await todos.create({ title: "a" });
    const b = await todos.create({ title: "b" });
    await todos.update(a.id, { title: "a2", done: true });
    await notes.create({ slug: "n1", title: "about b", todoId: String(b.id) });
    await todos.delete(b.id);
    expect(srv.log).toEqual([]);
    expect((await offline.getPendingMutations()).map((m) => m.type)).toEqual(["create", "create", "update", "create", "delete"]);

    offline.setOnlineStatus(true);
    await eventually(() => offline.getPendingCount() === 0);
    expect(srv.log.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /api/todos", "POST /api/todos", "PATCH /api/todos/1", "POST /api/notes", "DELETE /api/todos/2"]);
    expect(srv.log[3]!.body).toMatchObject({ todoId: "2" });
    expect((await rows()).map((t) => [t.title, t.done])).toEqual([["a2", true]]);
  });

  it("O8: optimistic ids are replaced at any depth of the data", async () => {
    const sent: OfflineMutation[] = [];
    let next = 100;
    const manager = createOfflineManager({
      config: { enabled: true },
      onMutationSync: async (m) => (sent.push(m), m.type === "create" ? { success: true, serverId: String(next++) } : { success: true }),
    });
    try {
      manager.setOnlineStatus(false);
      const parent = (await manager.write({ kind: "create", resource: "/api/lists", data: { name: "p" } })) as { id: string };
      await manager.write({
        kind: "create",
        resource: "/api/items",
        data: { listId: parent.id, tags: [parent.id, "x"], meta: { links: [{ to: parent.id, note: `not ${parent.id}` }] } },
      });
      await manager.write({ kind: "update", resource: "/api/lists", id: parent.id, data: { name: "q" } });
      manager.setOnlineStatus(true);
      await eventually(() => manager.getPendingCount() === 0);
      expect(sent[1]!.data).toEqual({ listId: "100", tags: ["100", "x"], meta: { links: [{ to: "100", note: `not ${parent.id}` }] } });
      expect(sent[2]!.objectId).toBe("100");
    } finally {
      manager.destroy();
    }
    const mappings = new Map([["optimistic_1_a", "7"]]);
    const data = { id: "optimistic_1_a", nested: [[{ deep: "optimistic_1_a" }]], n: 1, d: null };
    expect(remapIds(data, mappings)).toEqual({ id: "7", nested: [[{ deep: "7" }]], n: 1, d: null });
    expect(data.id).toBe("optimistic_1_a");
  });

  it("O5: duplicates are skipped and updates of one row merged within the window", async () => {
    const todos = start();
    offline.setOnlineStatus(false);
    await todos.create({ title: "once" }, { optimisticId: "optimistic_1_dup" });
    await todos.create({ title: "once" }, { optimisticId: "optimistic_1_dup" });
    await offline.queueMutation({ type: "create", resource: "/api/todos", data: { title: "keyed" }, idempotencyKey: "my-key" });
    await offline.queueMutation({ type: "create", resource: "/api/todos", data: { title: "keyed again" }, idempotencyKey: "my-key" });
    await todos.update("optimistic_1_dup", { title: "merged" });
    const before = (await offline.getPendingMutations())[2]!.timestamp;
    await sleep(5);
    await todos.update("optimistic_1_dup", { done: true });
    await todos.delete("optimistic_1_dup");
    await todos.delete("optimistic_1_dup");

    const queued = await offline.getPendingMutations();
    expect(queued.map((m) => m.type)).toEqual(["create", "create", "update", "delete"]);
    expect(queued[2]!.data).toEqual({ title: "merged", done: true });
    expect(queued[2]!.timestamp).toBeGreaterThan(before);
    offline.setOnlineStatus(true);
    await eventually(() => offline.getPendingCount() === 0);
    expect(srv.log.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /api/todos", "POST /api/todos", "PATCH /api/todos/1", "DELETE /api/todos/1"]);
    expect(srv.log[2]!.body).toEqual({ title: "merged", done: true });
    expect(srv.log[1]!.idempotencyKey).toBe("my-key");
  });

  it("O5: outside the window updates stay apart", async () => {
    const todos = start({ dedupeWindowMs: 20 });
    await todos.create({ title: "t" }, { optimistic: false });
    offline.setOnlineStatus(false);
    await todos.update(1, { title: "one" });
    await sleep(40);
    await todos.update(1, { title: "two" });
    expect(offline.getPendingCount()).toBe(2);
    offline.setOnlineStatus(true);
    await eventually(() => offline.getPendingCount() === 0);
    expect(srv.log.filter((r) => r.method === "PATCH").map((r) => r.body)).toEqual([{ title: "one" }, { title: "two" }]);
  });

  it("O10, O11: pending deletes and updates are visible per row until they are sent", async () => {
    const todos = start();
    await todos.create({ title: "keep" }, { optimistic: false });
    await todos.create({ title: "drop" }, { optimistic: false });
    offline.setOnlineStatus(false);
    const created = await todos.create({ title: "new" });
    await todos.update(1, { title: "keep (edited)" });
    await todos.delete(2);
    expect(offline.hasPendingMutationsForId("1")).toBe(true);
    expect(offline.hasPendingMutationsForId("2")).toBe(true);
    expect(offline.hasPendingMutationsForId(String(created.id))).toBe(true);
    expect(offline.hasPendingMutationsForId("3")).toBe(false);
    // What a live list re-applies over a refetch: the queued patch of row 1.
    const pending = await offline.getPendingMutations();
    expect(pending.find((m) => m.objectId === "1")).toMatchObject({ type: "update", data: { title: "keep (edited)" } });
    expect(pending.find((m) => m.objectId === "2")).toMatchObject({ type: "delete" });

    offline.setOnlineStatus(true);
    await eventually(() => offline.getPendingCount() === 0);
    for (const id of ["1", "2", "3", String(created.id)]) expect(offline.hasPendingMutationsForId(id)).toBe(false);
    expect((await rows()).map((t) => t.title)).toEqual(["keep (edited)", "new"]);
  });
});
