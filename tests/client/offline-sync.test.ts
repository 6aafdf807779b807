/**
 * Sync against a real server that goes away and comes back (spec 80 §6.2, contracts O6, O7):
 * `setOnlineStatus`, a stopped server that costs no retries, reconnection starting the sync, one
 * pass at a time, retries with backoff up to `maxRetries`, 4xx rejections, and deletes of rows
 * that are already gone.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createClient, type CovaraClient, type TransportError } from "../../src/client/index.js";
import { enableOffline, type OfflineConfig, type OfflineEvent, type OfflineManager } from "../../src/client/offline/index.js";
import { eventually, type Todo } from "./fixture.js";
import { serveOffline, sleep, type OfflineServer } from "./offline-fixture.js";

describe("offline sync", () => {
  let srv: OfflineServer;
  let client: CovaraClient;
  let offline: OfflineManager;
  let events: OfflineEvent[];
  const onError = vi.fn();
  const onSyncComplete = vi.fn();

  const start = (config: Partial<OfflineConfig> = {}) => {
    client = createClient({ baseUrl: srv.origin, onError, onSyncComplete });
    offline = enableOffline(client, { enabled: true, retryDelay: 100, ...config });
    events = [];
    offline.subscribe((event) => events.push(event));
    return client.resource<Todo>("/api/todos");
  };
  const titles = async () => (await createClient({ baseUrl: srv.origin }).resource<Todo>("/api/todos").list({ orderBy: "id" })).items.map((t) => t.title);

  beforeAll(async () => {
    srv = await serveOffline();
  });
  afterAll(() => srv.close());
  beforeEach(() => {
    srv.db.reset();
    srv.log.length = 0;
    Object.assign(srv.faults, { fail: 0, loseResponse: 0, match: () => true });
    srv.concurrency.max = 0;
    onError.mockClear();
    onSyncComplete.mockClear();
  });
  afterEach(() => offline?.destroy());

  it("queues while offline and syncs by itself when told the network is back", async () => {
    const todos = start();
    offline.setOnlineStatus(false);
    expect(offline.getIsOnline()).toBe(false);
    await todos.create({ title: "on the train" });
    await todos.create({ title: "in the tunnel" });
    await sleep(50);
    expect(srv.log).toEqual([]);
    expect(client.getPendingCount()).toBe(2);
    expect(onSyncComplete).not.toHaveBeenCalled();

    offline.setOnlineStatus(true);
    await eventually(() => client.getPendingCount() === 0);
    expect(await titles()).toEqual(["on the train", "in the tunnel"]);
    expect(events.filter((e) => e.type === "online")).toEqual([{ type: "online", online: false }, { type: "online", online: true }]);
    await eventually(() => onSyncComplete.mock.calls.length > 0);
    expect(events.some((e) => e.type === "sync-complete" && !e.remote)).toBe(true);
  });

  it("keeps mutations queued, without using up retries, while the server cannot be reached", async () => {
    const todos = start({ maxRetries: 1, retryDelay: 50 });
    await srv.stop();
    try {
      await todos.create({ title: "sent while the server is down" });
      await eventually(() => onError.mock.calls.length >= 2, 5000, "two unanswered tries");
      const [queued] = await offline.getPendingMutations();
      expect(queued).toMatchObject({ status: "pending", retryCount: 0 });
      expect(queued!.error).toBeTruthy();
      expect(events.some((e) => e.type === "failed")).toBe(true);
    } finally {
      await srv.restart();
    }
    // The next scheduled try finds the server back (waits are capped, here 50 ms doubling).
    await eventually(() => offline.getPendingCount() === 0, 10_000, "the sync after the restart");
    expect(await titles()).toEqual(["sent while the server is down"]);
  });

  it("O6: passes never overlap, and each mutation is sent once", async () => {
    const todos = start();
    offline.setOnlineStatus(false);
    for (let i = 0; i < 8; i++) await todos.create({ title: `t${i}` });
    offline.setOnlineStatus(true);
    await Promise.all([offline.syncPendingMutations(), offline.syncPendingMutations(), todos.create({ title: "t8" }), offline.syncPendingMutations()]);
    await eventually(() => offline.getPendingCount() === 0);
    expect(srv.concurrency.max).toBe(1);
    const keys = srv.log.map((r) => r.idempotencyKey);
    expect(new Set(keys).size).toBe(9);
    expect(keys).toHaveLength(9);
    expect(await titles()).toEqual(["t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"]);
  });

  it("O7: a failing mutation is retried with backoff up to maxRetries, then stays failed while the rest goes on", async () => {
    const todos = start({ maxRetries: 3, retryDelay: 100 });
    srv.faults.match = (method) => method === "POST";
    srv.faults.fail = 100;
    await todos.create({ title: "doomed" });
    await eventually(() => srv.log.length === 3, 5000, "three attempts");
    await sleep(500);
    expect(srv.log).toHaveLength(3);
    const gaps = [srv.log[1]!.at - srv.log[0]!.at, srv.log[2]!.at - srv.log[1]!.at];
    // retryDelay × 2^(retryCount−1): 100 ms after the first failure, 200 ms after the second.
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    expect(gaps[1]).toBeGreaterThan(gaps[0]! + 50);

    const [failed] = await offline.getPendingMutations();
    expect(failed).toMatchObject({ status: "failed", retryCount: 3, type: "create" });
    expect(onError).toHaveBeenCalledTimes(3);
    expect((onError.mock.calls[0]![0] as TransportError).status).toBe(503);

    srv.faults.fail = 0;
    await todos.create({ title: "fine" });
    await eventually(() => offline.getPendingCount() === 1);
    // An explicit sync does not revive it either: it stays failed and visible.
    await offline.syncPendingMutations();
    expect((await offline.getPendingMutations()).map((m) => m.status)).toEqual(["failed"]);
    expect(await titles()).toEqual(["fine"]);
  });

  it("a 4xx the server will always give drops the mutation and reports it", async () => {
    const todos = start();
    await todos.create({ done: true } as Partial<Todo>);
    await eventually(() => onError.mock.calls.length === 1);
    expect((onError.mock.calls[0]![0] as TransportError).status).toBe(400);
    expect(offline.getPendingCount()).toBe(0);
    const dropped = events.find((e) => e.type === "dropped");
    expect(dropped).toMatchObject({ type: "dropped", reason: "rejected", mutation: { type: "create", data: { done: true } } });
    expect(srv.log).toHaveLength(1);
  });

  it("deleting a row that is already gone counts as done", async () => {
    const todos = start();
    await todos.delete(404);
    await eventually(() => srv.log.length === 1 && offline.getPendingCount() === 0);
    expect(onError).not.toHaveBeenCalled();
    expect(events.some((e) => e.type === "synced" && e.mutation.type === "delete")).toBe(true);
  });
});
