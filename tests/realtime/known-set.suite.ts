/**
 * What a subscriber is told about rows it already holds when nothing lists them (spec 20 §4 hybrid
 * start without `knownIds`, §6.2, §7): it holds every row its predicate matched, so those rows
 * come as `changed`/`removed`, rows that enter come as `added`, and rows it never held stay silent,
 * also after a scope recheck has moved rows in and out. The server keeps no per-row set for this.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { createCovara, rsql, type ResourceConfig } from "../../src/index.js";
import { createMemoryHub } from "../../src/realtime/memory-hub.js";
import type { HubBackend } from "../../src/realtime/types.js";
import type { DbHarness } from "../resources/harness.js";
import { headerAuth } from "../resources/test-auth.js";
import { readSse, type SseReader } from "./sse-reader.js";

const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body), headers: { "content-type": "application/json" } });

export function knownSetSuite(getHarness: () => DbHarness) {
  describe("rows a subscriber holds without listing them", () => {
    let h: DbHarness;
    let hub: HubBackend;
    let open: SseReader[];
    const build = (config: Partial<ResourceConfig> = {}, withAuth = false) =>
      createCovara({ realtime: { hub }, ...(withAuth ? { auth: { middleware: headerAuth() } } : {}) }).resource("/people", h.table, { id: h.table.id, db: h.db, ...config });
    const subscribe = async (app: ReturnType<typeof build>, query: string, headers: Record<string, string> = {}) => {
      const res = await app.request(`/api/people/subscribe${query}`, { headers });
      expect(res.status).toBe(200);
      const reader = readSse(res);
      open.push(reader);
      await reader.synced();
      return reader;
    };
    const create = async (app: ReturnType<typeof build>, body: Record<string, unknown>) => {
      const res = await app.request("/api/people", json("POST", { email: "x@x", ...body }));
      expect(res.status).toBe(201);
      return (await res.json()) as { id: number };
    };
    const summary = (reader: SseReader) => reader.events().map((e) => [e.type, e.object?.name ?? e.objectId]);

    beforeEach(async () => {
      h = getHarness();
      await h.reset();
      hub = createMemoryHub();
      open = [];
      return async () => {
        for (const reader of open) await reader.close();
      };
    });

    it("skipExisting without knownIds: matching rows change and leave, others enter or stay silent", async () => {
      const app = build();
      const held = await create(app, { name: "held", age: 30 });
      const outside = await create(app, { name: "outside", age: 10 });
      const reader = await subscribe(app, "?filter=age=gt=20&skipExisting=true");
      expect(reader.events()).toEqual([]);
      const patch = (id: number, body: Record<string, unknown>) => app.request(`/api/people/${id}`, json("PATCH", body));
      await patch(held.id, { name: "held2" }); // held, still matching
      await patch(outside.id, { name: "outside2" }); // never held: nothing
      await patch(outside.id, { name: "entered", age: 25 }); // enters
      await patch(outside.id, { name: "entered2" }); // now held
      await patch(held.id, { age: 1 }); // leaves
      await patch(held.id, { name: "gone" }); // no longer held: nothing
      await app.request(`/api/people/${held.id}`, { method: "DELETE" }); // not held: nothing
      const late = await create(app, { name: "late", age: 40 });
      await app.request(`/api/people/${late.id}`, { method: "DELETE" });
      await reader.until(() => reader.events().length === 6);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(summary(reader)).toEqual([
        ["changed", "held2"],
        ["added", "entered"],
        ["changed", "entered2"],
        ["removed", String(held.id)],
        ["added", "late"],
        ["removed", String(late.id)],
      ]);
    });

    it("a scope recheck swaps the rows held: removed for those that left, added for those that entered, then changed", async () => {
      let role = "staff";
      const app = build({ auth: { subscribe: () => rsql`role==${role}` }, sse: { scopeRecheckMs: 40 } }, true);
      const writer = build();
      const staff = await create(writer, { name: "staff", role: "staff" });
      const admin = await create(writer, { name: "admin", role: "admin" });
      const reader = await subscribe(app, "?skipExisting=true", { "x-user": "1:staff" });
      role = "admin";
      await reader.until(() => reader.events().length === 2);
      expect(summary(reader)).toEqual([
        ["removed", String(staff.id)],
        ["added", "admin"],
      ]);
      await writer.request(`/api/people/${staff.id}`, json("PATCH", { name: "staff2" })); // left: nothing
      await writer.request(`/api/people/${admin.id}`, json("PATCH", { name: "admin2" })); // entered: held
      await reader.until(() => reader.events().length === 3);
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(summary(reader).slice(2)).toEqual([["changed", "admin2"]]);
    });
  });
}
