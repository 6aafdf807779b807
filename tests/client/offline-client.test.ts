/**
 * `createClient({ offline })` (spec 80 §1, §2, §6.1): the manager is there at once (a stand-in
 * until its chunk has loaded), writes are optimistic by default and `{ optimistic: false }` waits
 * for the server, the client's `onError`/`onSyncComplete` are called, `{ enabled: false }` turns it
 * off, and a listener added before the load still hears every event.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createClient, type OfflineEvent } from "../../src/client/index.js";
import { eventually, type Todo } from "./fixture.js";
import { serveOffline, type OfflineServer } from "./offline-fixture.js";

describe("createClient({ offline })", () => {
  let srv: OfflineServer;

  beforeAll(async () => {
    srv = await serveOffline();
  });
  afterAll(() => srv.close());
  beforeEach(() => {
    srv.db.reset();
    srv.log.length = 0;
  });

  it("attaches a manager at once; early calls and listeners reach the real one", async () => {
    const onSyncComplete = vi.fn();
    const client = createClient({ baseUrl: srv.origin, offline: true, onSyncComplete });
    const offline = client.offline!;
    try {
      // Before the offline chunk has loaded: answers that hold for an empty queue.
      expect(offline.getPendingCount()).toBe(0);
      expect(offline.hasPendingMutationsForId("x")).toBe(false);
      expect(offline.resolveId("optimistic_1_a")).toBe("optimistic_1_a");
      const events: OfflineEvent[] = [];
      const remapped: string[][] = [];
      offline.subscribe((event) => events.push(event));
      offline.onIdRemapped((o, s) => remapped.push([o, s]));

      const created = await client.resource<Todo>("/api/todos").create({ title: "early" });
      expect(created.id).toMatch(/^optimistic_/);
      await offline.ready;
      await offline.syncPendingMutations();
      expect(client.getPendingCount()).toBe(0);
      expect(remapped).toEqual([[created.id, "1"]]);
      expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["queued", "synced", "id-remapped", "sync-complete"]));
      expect(onSyncComplete).toHaveBeenCalled();
      expect(offline.resolveId(String(created.id))).toBe("1");
    } finally {
      offline.destroy();
    }
  });

  it("an update or replace resolves with the data and the id; { optimistic: false } waits for the server", async () => {
    const client = createClient({ baseUrl: srv.origin, offline: { enabled: true } });
    const todos = client.resource<Todo>("/api/todos");
    try {
      const stored = await todos.create({ title: "server first" }, { optimistic: false });
      expect(stored).toMatchObject({ id: 1, title: "server first", done: false });
      expect(client.getPendingCount()).toBe(0);
      expect(await todos.update(1, { done: true })).toEqual({ done: true, id: "1" });
      expect(await todos.replace(1, { title: "replaced", done: false, position: 3 })).toEqual({ title: "replaced", done: false, position: 3, id: "1" });
      await client.offline!.syncPendingMutations();
      expect(srv.log.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /api/todos", "PATCH /api/todos/1", "PUT /api/todos/1"]);
      expect(await todos.get(1)).toMatchObject({ title: "replaced", done: false, position: 3 });
    } finally {
      client.offline!.destroy();
    }
  });

  it("reports failures through the client's onError", async () => {
    const onError = vi.fn();
    const client = createClient({ baseUrl: srv.origin, offline: { enabled: true }, onError });
    try {
      await client.resource<Todo>("/api/todos").update(99, { title: "nobody home" });
      await eventually(() => onError.mock.calls.length === 1);
      expect(onError.mock.calls[0]![0]).toMatchObject({ status: 404 });
    } finally {
      client.offline!.destroy();
    }
  });

  it("stays off with { enabled: false }: writes go straight to the server", async () => {
    const client = createClient({ baseUrl: srv.origin, offline: { enabled: false } });
    expect(client.offline).toBeUndefined();
    expect(await client.resource<Todo>("/api/todos").create({ title: "direct" })).toMatchObject({ id: 1, title: "direct" });
  });
});
