/**
 * Edges of resuming and gap handling found by review (spec 20 §5, §6; invariants 5, 9, 14):
 * a replay never names rows outside the subscriber's predicate, a deny scope replays nothing,
 * a replay or live gap whose entries were pruned ends in an invalidate (never a silent skip),
 * and a row a hybrid subscriber first sees as `changed` is removed when it later leaves.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { createCovara, rsql } from "../../src/index.js";
import { createMemoryHub } from "../../src/realtime/memory-hub.js";
import type { HubBackend } from "../../src/realtime/types.js";
import type { DbHarness } from "../resources/harness.js";
import { headerAuth } from "../resources/test-auth.js";
import { readSse, type SseReader } from "./sse-reader.js";

const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body), headers: { "content-type": "application/json" } });

export function resumeEdgesSuite(getHarness: () => DbHarness) {
  describe("subscriptions: resume and gap edges", () => {
    let h: DbHarness;
    let readers: SseReader[];
    const open = async (app: ReturnType<typeof createCovara>, path: string, headers: Record<string, string> = {}) => {
      const res = await app.request(path, { headers });
      expect(res.status).toBe(200);
      const reader = readSse(res);
      readers.push(reader);
      await reader.synced();
      return reader;
    };

    beforeEach(async () => {
      h = getHarness();
      await h.reset();
      readers = [];
      return async () => {
        for (const reader of readers) await reader.close();
      };
    });

    it("replays nothing about rows outside the subscriber's scope, and nothing at all to a deny scope", async () => {
      const hub = createMemoryHub();
      const scoped = createCovara({ realtime: { hub }, auth: { middleware: headerAuth() } }).resource("/people", h.table, {
        id: h.table.id,
        db: h.db,
        auth: { scope: (user) => (user.role === "none" ? "" : rsql`role==${String(user.role)}`) },
      });
      const writer = createCovara({ realtime: { hub } }).resource("/people", h.table, { id: h.table.id, db: h.db });
      const other = await (await writer.request("/api/people", json("POST", { name: "o", email: "o", role: "admin" }))).json();
      const position = String((await hub.window("people")).head);
      await writer.request(`/api/people/${other.id}`, json("PATCH", { name: "o2" }));
      await writer.request(`/api/people/${other.id}`, json("DELETE", undefined));
      const mine = await (await writer.request("/api/people", json("POST", { name: "m", email: "m", role: "staff" }))).json();
      const staff = await open(scoped, "/api/people/subscribe", { "x-user": "1:staff", "last-event-id": position });
      expect(staff.events().map((e) => [e.type, e.object?.id ?? e.objectId])).toEqual([["added", mine.id]]);
      const denied = await open(scoped, "/api/people/subscribe", { "x-user": "2:none", "last-event-id": position });
      expect(denied.events()).toEqual([]);
    });

    it("answers a replay whose entries were pruned while it read with a gap invalidate", async () => {
      const hub = createMemoryHub({ maxEntries: 3 });
      const app = createCovara({ realtime: { hub } }).resource("/people", h.table, { id: h.table.id, db: h.db });
      const first = await open(app, "/api/people/subscribe");
      const position = first.frames.find((f) => f.event === "synced")!.id!;
      for (const name of ["a", "b", "c", "d", "e"]) await app.request("/api/people", json("POST", { name, email: name }));
      const resumed = await open(app, "/api/people/subscribe", { "last-event-id": position });
      expect(resumed.events()).toEqual([expect.objectContaining({ type: "invalidate", reason: "Sequence gap - please refetch" })]);
    });

    it("turns a live gap whose entries were pruned into an invalidate instead of skipping it", async () => {
      const inner = createMemoryHub({ maxEntries: 2 });
      // A hub link that loses deliveries, as a dropped pub/sub socket does.
      let lose = 0;
      const hub: HubBackend = {
        kind: "lossy",
        append: (resource, changes) => inner.append(resource, changes),
        window: (resource) => inner.window(resource),
        since: (resource, after, limit) => inner.since(resource, after, limit),
        connect: (resource, deliver, options) => inner.connect(resource, (entries) => (lose > 0 ? void lose-- : deliver(entries)), options),
        close: () => inner.close(),
      };
      const app = createCovara({ realtime: { hub } }).resource("/people", h.table, { id: h.table.id, db: h.db });
      const reader = await open(app, "/api/people/subscribe");
      lose = 3;
      for (const name of ["a", "b", "c"]) await app.request("/api/people", json("POST", { name, email: name }));
      await app.request("/api/people", json("POST", { name: "d", email: "d" }));
      await reader.until(() => reader.events().length >= 1);
      expect(reader.events()[0]).toMatchObject({ type: "invalidate", reason: "Sequence gap - please refetch" });
      expect(reader.events().some((e) => e.object?.name === "a")).toBe(false);
    });

    it("removes a row a hybrid subscriber first saw as `changed` once it leaves the filter", async () => {
      const hub = createMemoryHub();
      const app = createCovara({ realtime: { hub } }).resource("/people", h.table, { id: h.table.id, db: h.db });
      const row = await (await app.request("/api/people", json("POST", { name: "x", email: "x", age: 50 }))).json();
      // The client holds page 1 only; this row is not among its known ids.
      const reader = await open(app, "/api/people/subscribe?filter=age=gt=10&skipExisting=true&knownIds=999999");
      await app.request(`/api/people/${row.id}`, json("PATCH", { name: "x2" }));
      await app.request(`/api/people/${row.id}`, json("PATCH", { age: 1 }));
      await reader.until(() => reader.events().length === 2);
      expect(reader.events().map((e) => [e.type, e.object?.name ?? e.objectId])).toEqual([["changed", "x2"], ["removed", String(row.id)]]);
    });
  });
}
