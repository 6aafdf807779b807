/**
 * Multi-tab coherence (spec 80 §6.4, contracts O6, O12): two clients in one process play two tabs
 * of one origin: Node's BroadcastChannel is their channel, one queue storage and one Web Storage
 * (the leader lock) are shared as a browser shares IndexedDB and localStorage. Only the leader
 * sends; id mappings, invalidations and sync completion reach the other tab; leadership moves on
 * when the leader goes.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createClient, type CovaraClient } from "../../src/client/index.js";
import { createTabSync, enableOffline, InMemoryOfflineStorage, type OfflineEvent, type OfflineManager, type TabMessage } from "../../src/client/offline/index.js";
import { eventually, type Todo } from "./fixture.js";
import { MemoryStorage, serveOffline, sleep, type OfflineServer } from "./offline-fixture.js";

interface Tab {
  client: CovaraClient;
  offline: OfflineManager;
  events: OfflineEvent[];
  remapped: ReturnType<typeof vi.fn>;
  /** Refetches of a list query registered in this tab's query cache. */
  refetches: number;
}

describe("tabSync", () => {
  let srv: OfflineServer;
  let tabs: Tab[] = [];
  let channel: string;
  let storage: InMemoryOfflineStorage;
  let lockStore: MemoryStorage;

  const openTab = (): Tab => {
    const client = createClient({ baseUrl: srv.origin });
    const remapped = vi.fn();
    const offline = enableOffline(client, { enabled: true, storage, tabSync: channel, onIdRemapped: remapped }, { tabSync: { lockStore, heartbeatMs: 40, staleMs: 120 } });
    const tab: Tab = { client, offline, events: [], remapped, refetches: 0 };
    offline.subscribe((event) => tab.events.push(event));
    client.queryCache.put(client.queryCache.key("/api/todos", {}), {
      path: "/api/todos",
      options: {},
      refresh: async () => void tab.refetches++,
    });
    tabs.push(tab);
    return tab;
  };

  beforeAll(async () => {
    srv = await serveOffline();
  });
  afterAll(() => srv.close());
  beforeEach(() => {
    srv.db.reset();
    srv.log.length = 0;
    channel = `tabs-${Math.random().toString(36).slice(2)}`;
    storage = new InMemoryOfflineStorage();
    lockStore = new MemoryStorage();
  });
  afterEach(() => {
    for (const tab of tabs) tab.offline.destroy();
    tabs = [];
  });

  it("O6, O12: only the leader sends; the other tab learns the id mapping and the sync", async () => {
    const leader = openTab();
    const follower = openTab();
    expect(leader.offline.isLeader()).toBe(true);
    expect(follower.offline.isLeader()).toBe(false);

    const created = await follower.client.resource<Todo>("/api/todos").create({ title: "from the follower" });
    await eventually(() => follower.remapped.mock.calls.length === 1, 5000, "the mapping in the follower");
    expect(follower.remapped).toHaveBeenCalledWith(created.id, "1");
    expect(follower.offline.resolveId(String(created.id))).toBe("1");
    expect(leader.remapped).toHaveBeenCalledWith(created.id, "1");
    await eventually(() => follower.offline.getPendingCount() === 0 && follower.refetches > 0, 5000, "the follower's refresh");
    expect(follower.events.some((e) => e.type === "sync-complete" && e.remote)).toBe(true);
    expect(srv.log.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /api/todos"]);

    // Both tabs asked to sync at once, with a queue written by both: still one send per mutation.
    leader.offline.setOnlineStatus(false);
    follower.offline.setOnlineStatus(false);
    await leader.client.resource<Todo>("/api/todos").create({ title: "l" });
    await follower.client.resource<Todo>("/api/todos").create({ title: "f" });
    leader.offline.setOnlineStatus(true);
    follower.offline.setOnlineStatus(true);
    await Promise.all([leader.offline.syncPendingMutations(), follower.offline.syncPendingMutations()]);
    await eventually(() => leader.offline.getPendingCount() === 0);
    expect(srv.log.map((r) => r.idempotencyKey)).toHaveLength(3);
    expect(new Set(srv.log.map((r) => r.idempotencyKey)).size).toBe(3);
    expect(srv.concurrency.max).toBe(1);
  });

  it("O12: client.invalidate(path) refetches that path in the other tab too", async () => {
    const one = openTab();
    const two = openTab();
    expect(one.client.invalidate("/api/todos")).toBe(1);
    await eventually(() => two.refetches === 1, 5000, "the other tab's refetch");
    expect(two.events).toContainEqual({ type: "invalidate", paths: ["/api/todos"] });
    expect(one.refetches).toBe(1);
    two.client.invalidate("/api/users");
    await sleep(50);
    expect(one.refetches).toBe(1);
  });

  it("another tab takes over when the leader closes", async () => {
    const first = openTab();
    const second = openTab();
    second.offline.setOnlineStatus(false);
    await second.client.resource<Todo>("/api/todos").create({ title: "waiting" });
    second.offline.setOnlineStatus(true);
    first.offline.destroy();
    await eventually(() => second.offline.isLeader(), 2000, "the new leader");
    await eventually(() => second.offline.getPendingCount() === 0, 5000, "the new leader's sync");
    expect(srv.log.map((r) => r.body)).toEqual([{ title: "waiting" }]);
  });

  it("a leader that stopped refreshing its lock is replaced after the stale time", async () => {
    const store = new MemoryStorage();
    const a = createTabSync(channel, { lockStore: store, heartbeatMs: 1_000_000, staleMs: 60 });
    const b = createTabSync(channel, { lockStore: store, heartbeatMs: 1_000_000, staleMs: 60 });
    const seen: TabMessage[] = [];
    b.onMessage((m) => seen.push(m));
    try {
      expect(a.claimLeadership()).toBe(true);
      expect(b.claimLeadership()).toBe(false);
      await sleep(80);
      expect(b.claimLeadership()).toBe(true);
      expect(a.claimLeadership()).toBe(false);
      a.post({ type: "sync-complete" });
      await eventually(() => seen.length === 1);
      expect(seen[0]).toMatchObject({ type: "sync-complete" });
    } finally {
      a.close();
      b.close();
    }
  });

  it("without a lock store every tab sends its own queue", () => {
    const tab = createTabSync(channel, { lockStore: undefined });
    try {
      // Node has no localStorage: nothing to hold a lock in, so this tab leads.
      expect(tab.claimLeadership()).toBe(true);
    } finally {
      tab.close();
    }
  });
});
