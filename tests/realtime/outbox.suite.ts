/**
 * The realtime outbox on every database (DESIGN.md invariant 4; issue #5): when the publish
 * after a commit fails, the write still succeeds and the change reaches subscribers later from
 * `covara_outbox`; a publish whose answer was lost is not applied twice; work that rolls back or
 * matches no row records nothing. The hub is a real in-memory hub behind a switch that makes
 * its next appends fail, the way an unreachable Redis or Durable Object would.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { createCovara, defineProcedure, type CovaraApp } from "../../src/index.js";
import { createMemoryHub } from "../../src/realtime/memory-hub.js";
import { allOutboxRows, clearOutbox, ensureOutbox } from "../../src/realtime/outbox/table.js";
import type { ChangeInput, HubBackend } from "../../src/realtime/types.js";
import type { DbHarness } from "../resources/harness.js";
import { readSse, type SseReader } from "./sse-reader.js";

/** A memory hub whose next appends fail before (`down`) or after (`lostReplies`) appending. */
function unreliable(hub = createMemoryHub()) {
  const state = { down: 0, lostReplies: 0 };
  const backend: HubBackend = {
    kind: "flaky",
    async append(resource: string, changes: ChangeInput[]) {
      if (state.down > 0) {
        state.down--;
        throw new Error("hub unreachable");
      }
      const entries = await hub.append(resource, changes);
      if (state.lostReplies > 0) {
        state.lostReplies--;
        throw new Error("connection reset after the append");
      }
      return entries;
    },
    window: (resource) => hub.window(resource),
    since: (resource, after, limit) => hub.since(resource, after, limit),
    connect: (resource, deliver, options) => hub.connect(resource, deliver, options),
    close: () => hub.close(),
  };
  return { backend, state, hub };
}

const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({ method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });

export function outboxSuite(getHarness: () => DbHarness) {
  describe("realtime outbox", () => {
    let h: DbHarness;
    let flaky: ReturnType<typeof unreliable>;
    let readers: SseReader[];
    let apps: CovaraApp[];
    /** The drain deletes a row just after the hub took it: wait for that. */
    const drained = async () => {
      const deadline = Date.now() + 3000;
      while ((await pending()).length > 0) {
        if (Date.now() > deadline) throw new Error("outbox not empty");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const pending = async () => {
      return allOutboxRows(h.db, h.dialect);
    };
    const build = (config: Record<string, unknown> = {}): CovaraApp => {
      const app = createCovara({ realtime: { hub: flaky.backend, outbox: true } }).resource("/people", h.table, { id: h.table.id, db: h.db, ...config });
      apps.push(app);
      return app;
    };
    const subscribe = async (app: CovaraApp) => {
      const reader = readSse(await app.request("/api/people/subscribe"));
      readers.push(reader);
      await reader.synced();
      return reader;
    };

    beforeEach(async () => {
      h = getHarness();
      await h.reset();
      await ensureOutbox(h.db, h.dialect);
      await clearOutbox(h.db, h.dialect);
      flaky = unreliable();
      readers = [];
      apps = [];
      return async () => {
        for (const reader of readers) await reader.close();
        // Every app shares this database's outbox: settle each, so no retry timer outlives its test.
        flaky.state.down = 0;
        for (const app of apps) await app.realtime.outbox.drain();
      };
    });

    it("records nothing once the hub has the change", async () => {
      const app = build();
      const reader = await subscribe(app);
      expect((await app.request("/api/people", post({ name: "a", email: "a" }))).status).toBe(201);
      await reader.until(() => reader.events().length === 1);
      expect(await pending()).toEqual([]);
    });

    it("delivers a change whose publish failed, from the outbox, once the hub is back", async () => {
      const app = build();
      const reader = await subscribe(app);
      flaky.state.down = 1;
      const res = await app.request("/api/people", post({ name: "late", email: "l" }, { "x-covara-optimistic-id": "opt-1" }));
      expect(res.status).toBe(201);
      const id = (await res.json()).id;
      const rows = await pending();
      expect(rows).toHaveLength(1);
      expect(rows[0]!.resource).toBe("people");
      expect(reader.events()).toEqual([]);
      // The retry timer drains it without anyone asking.
      await reader.until(() => reader.events().length === 1, 5000);
      expect(reader.events()[0]).toMatchObject({ type: "added", object: { id, name: "late" }, meta: { optimisticId: "opt-1" } });
      await drained();
    });

    it("applies a publish whose answer was lost exactly once", async () => {
      const app = build();
      const reader = await subscribe(app);
      const row = await (await app.request("/api/people", post({ name: "x", email: "x" }))).json();
      flaky.state.lostReplies = 1;
      expect((await app.request(`/api/people/${row.id}`, { method: "PATCH", body: JSON.stringify({ name: "y" }), headers: { "content-type": "application/json" } })).status).toBe(200);
      expect(await pending()).toHaveLength(1);
      expect(await app.realtime.outbox.drain()).toBe(1);
      await drained();
      await reader.until(() => reader.events().length === 2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(reader.events().map((e) => [e.type, e.object.name])).toEqual([["added", "x"], ["changed", "y"]]);
      const entries = await flaky.hub.since("people", 0, 100);
      expect(entries.map((e) => e.type)).toEqual(["create", "update"]);
    });

    it("drains deletes and several writes in commit order after an outage", async () => {
      const app = build();
      const reader = await subscribe(app);
      const a = await (await app.request("/api/people", post({ name: "a", email: "a" }))).json();
      flaky.state.down = 3;
      await app.request("/api/people", post({ name: "b", email: "b" }));
      await app.request(`/api/people/${a.id}`, { method: "DELETE" });
      await new Promise((resolve) => setTimeout(resolve, 5));
      await app.realtime.outbox.drain().catch(() => 0);
      await reader.until(() => reader.events().length === 3, 5000);
      expect(reader.events().map((e) => [e.type, e.object?.name ?? e.objectId])).toEqual([["added", "a"], ["added", "b"], ["removed", String(a.id)]]);
      await drained();
    });

    it("brings a batch whose publish failed to subscribers from the outbox, in item order", async () => {
      const app = build();
      const reader = await subscribe(app);
      flaky.state.down = 1;
      const res = await app.request("/api/people/batch", post({ items: ["p", "q", "r"].map((name) => ({ name, email: name })) }));
      expect(res.status).toBe(200);
      expect(await pending()).toHaveLength(1);
      await reader.until(() => reader.events().length === 3, 5000);
      expect(reader.events().map((e) => e.object.name)).toEqual(["p", "q", "r"]);
      await drained();
    });

    it("keeps a procedure's tracked write whose publish failed in the outbox, and delivers it later", async () => {
      const table = h.table as any;
      const app = build({
        procedures: { add: defineProcedure({ handler: async (ctx) => (await (ctx.db as any).insert(table).values({ name: "via-rpc", email: "r" }).returning())[0] }) },
      });
      const reader = await subscribe(app);
      flaky.state.down = 1;
      const res = await app.request("/api/people/rpc/add", post({}));
      expect(res.status).toBe(200);
      expect(await pending()).toHaveLength(1);
      await reader.until(() => reader.events().length === 1, 5000);
      expect(reader.events()[0]).toMatchObject({ type: "added", object: { name: "via-rpc" } });
      await drained();
    });

    it("records nothing for a write that matched no row or rolled back", async () => {
      const app = build({ etag: { versionField: undefined } });
      const row = await (await app.request("/api/people", post({ name: "v", email: "v" }))).json();
      const stale = await app.request(`/api/people/${row.id}`, { method: "PATCH", body: JSON.stringify({ name: "w" }), headers: { "content-type": "application/json", "if-match": '"stale"' } });
      expect(stale.status).toBe(412);
      await drained();
      const before = (await flaky.hub.window("people")).head;
      const hooked = build({ hooks: { onAfterUpdate: () => { throw new Error("after-hook fails"); } } });
      flaky.state.down = 5;
      const failed = await hooked.request(`/api/people/${row.id}`, { method: "PATCH", body: JSON.stringify({ name: "z" }), headers: { "content-type": "application/json" } });
      expect(failed.status).toBe(500);
      const atomic = !["better-sqlite3", "d1"].includes(h.name);
      // Where the driver rolls the write back, nothing was recorded; elsewhere the write stands and is recorded.
      expect(await pending()).toHaveLength(atomic ? 0 : 1);
      flaky.state.down = 0;
      await app.realtime.outbox.drain();
      expect((await flaky.hub.window("people")).head).toBe(before + (atomic ? 0 : 1));
    });
  });
}
