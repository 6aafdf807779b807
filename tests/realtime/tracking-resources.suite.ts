/**
 * Tracking inside resources (spec 20 §0 deviation 3, §12, §13; invariants 19, 28, 32): a tracked
 * `config.db` never double-records, hook writes through a tracked `ctx.db` publish after the
 * route's transaction, procedures publish their own resource's writes with the caller's id, and
 * `recordExternalMutation` invalidates every subscription.
 */
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { ConflictError, defineProcedure, recordExternalMutation, type ResourceHooks } from "../../src/index.js";
import type { DbHarness } from "../resources/harness.js";
import { live, settle, summary, trackingFixture } from "./tracking-fixtures.js";

const json = (body: unknown, method = "POST"): RequestInit => ({ method, body: JSON.stringify(body), headers: { "content-type": "application/json", "x-user": "7" } });

export function trackingResourcesSuite(getHarness: () => DbHarness) {
  describe("mutation tracking in resources", () => {
    const f = trackingFixture(getHarness);
    const tables = () => ({ people: { table: f.people, id: f.people.id }, authors: { table: f.h.blog.authors, id: f.h.blog.authors.id } });
    const atomic = () => f.h.name !== "d1" && f.h.name !== "better-sqlite3";

    it("inv 32: a tracked db as config.db: generated endpoints record each row change once, with the user's id", async () => {
      const app = f.app({ db: f.track({}, tables()) });
      const reader = await f.subscribe(app);
      const created = (await (await app.request("/api/people", json({ name: "a", email: "a@x" }))).json()) as { id: number };
      expect((await app.request(`/api/people/${created.id}`, json({ name: "a2" }, "PATCH"))).status).toBe(200);
      expect((await app.request(`/api/people/${created.id}`, { method: "DELETE", headers: { "x-user": "7" } })).status).toBe(204);
      const log = await f.entries();
      expect(summary(log)).toEqual([
        ["create", String(created.id), "a", undefined],
        ["update", String(created.id), "a2", "a"],
        ["delete", String(created.id), undefined, "a2"],
      ]);
      expect(log.every((e) => e.userId === "7")).toBe(true);
      await reader.until(() => live(reader).length === 3);
      await settle();
      expect(live(reader).map((e) => e.type)).toEqual(["added", "changed", "removed"]);
    });

    it("inv 28: an after-hook's write through a tracked ctx.db is published after the route's own row, with the user's id", async () => {
      const { authors } = f.h.blog;
      let duringHook: unknown[] | undefined;
      const hooks: ResourceHooks = {
        onAfterCreate: async (ctx, row) => {
          await ctx.db.insert(authors).values({ name: `by ${row.name}` }).returning();
          duringHook = [...(await f.entries()), ...(await f.entries("authors"))];
        },
      };
      const app = f.app({ db: f.track({}, tables()), hooks });
      expect((await app.request("/api/people", json({ name: "a", email: "a@x" }))).status).toBe(201);
      expect(duringHook).toEqual([]);
      const people = await f.entries();
      const written = await f.entries("authors");
      expect(summary(people).map(([type, , name]) => [type, name])).toEqual([["create", "a"]]);
      expect(summary(written).map(([type, , name]) => [type, name])).toEqual([["create", "by a"]]);
      expect([...people, ...written].map((e) => e.userId)).toEqual(["7", "7"]);
    });

    it("inv 28: a throwing after-hook publishes nothing where it rolls the write back (and both writes where it cannot)", async () => {
      const { authors } = f.h.blog;
      const hooks: ResourceHooks = {
        onAfterCreate: async (ctx) => {
          await ctx.db.insert(authors).values({ name: "audit" }).returning();
          throw new ConflictError("after-hook failed");
        },
      };
      const app = f.app({ db: f.track({}, tables()), hooks });
      expect((await app.request("/api/people", json({ name: "a", email: "a@x" }))).status).toBe(409);
      const recorded = [...(await f.entries()), ...(await f.entries("authors"))].map((e) => [e.resource, e.type]);
      // D1 and better-sqlite3 cannot roll the row back: what committed is published.
      expect(recorded).toEqual(atomic() ? [] : [["people", "create"], ["authors", "create"]]);
      expect(await f.h.db.select().from(authors)).toHaveLength(atomic() ? 0 : 1);
    });

    it("batch routes: hook writes through a tracked ctx.db are published after the batch commits, none when it fails", async () => {
      const { authors } = f.h.blog;
      const hooks: ResourceHooks = {
        onAfterCreate: async (ctx, row) => {
          if (row.name === "bad") throw new ConflictError("no");
          await ctx.db.insert(authors).values({ name: `by ${row.name}` }).returning();
        },
      };
      const app = f.app({ db: f.track({}, tables()), hooks });
      const ok = await app.request("/api/people/batch", json({ items: [{ name: "a", email: "a@x" }, { name: "b", email: "b@x" }] }));
      expect(ok.status).toBe(200);
      expect((await f.entries("authors")).map((e) => [e.object!.name, e.userId])).toEqual([["by a", "7"], ["by b", "7"]]);
      const failed = await app.request("/api/people/batch", json({ items: [{ name: "c", email: "c@x" }, { name: "bad", email: "x@x" }] }));
      expect(failed.status).toBe(409);
      // Without a transaction the hook's write for "c" committed before the failure.
      expect((await f.entries("authors")).map((e) => e.object!.name)).toEqual(atomic() ? ["by a", "by b"] : ["by a", "by b", "by c"]);
    });

    it("a procedure's writes through ctx.db reach subscribers once, carrying the caller's user id", async () => {
      const { authors } = f.h.blog;
      const procedures = {
        add: defineProcedure({
          handler: async (ctx, input: { name: string; age: number }) => {
            const [row] = await ctx.db.insert(f.people).values({ ...input, email: "p@x" }).returning();
            await ctx.db.update(f.people).set({ age: input.age + 1 }).where(eq(f.people.id, row.id));
            // Another table of an untracked config.db stays untracked.
            await ctx.db.insert(authors).values({ name: "side" }).returning();
            return row.id;
          },
        }),
      };
      const app = f.app({ procedures });
      const reader = await f.subscribe(app, "?filter=age=gt=20");
      const res = await app.request("/api/people/rpc/add", json({ name: "p", age: 30 }));
      expect(res.status).toBe(200);
      const id = String(((await res.json()) as { data: unknown }).data);
      const log = await f.entries();
      expect(summary(log)).toEqual([
        ["create", id, "p", undefined],
        ["update", id, "p", "p"],
      ]);
      expect(log.map((e) => [e.userId, e.object!.age])).toEqual([["7", 30], ["7", 31]]);
      expect(await f.entries("authors")).toEqual([]);
      await reader.until(() => live(reader).length === 2);
      expect(live(reader).map((e) => [e.type, e.object.age])).toEqual([["added", 30], ["changed", 31]]);
    });

    it("a procedure on a resource whose config.db is tracked records every table of that db once", async () => {
      const { authors } = f.h.blog;
      const procedures = {
        add: defineProcedure({
          handler: async (ctx) => {
            await ctx.db.insert(f.people).values({ name: "p", email: "p@x" }).returning();
            await ctx.db.insert(authors).values({ name: "side" }).returning();
            return null;
          },
        }),
      };
      const app = f.app({ db: f.track({}, tables()), procedures });
      expect((await app.request("/api/people/rpc/add", json({}))).status).toBe(200);
      expect((await f.entries()).map((e) => [e.object!.name, e.userId])).toEqual([["p", "7"]]);
      expect((await f.entries("authors")).map((e) => [e.object!.name, e.userId])).toEqual([["side", "7"]]);
    });

    it("recordExternalMutation appends a coarse entry and sends `invalidate` (external-mutation) to every subscription", async () => {
      const [a] = await f.seed({ name: "a", age: 30 });
      const app = f.app();
      const all = await f.subscribe(app);
      const filtered = await f.subscribe(app, "?filter=age=lt=5");
      const entry = await recordExternalMutation("people", "delete", { objectId: a!.id, hub: f.hub });
      await recordExternalMutation("people", "update", { hub: f.hub });
      expect((await f.entries()).map((e) => [e.type, e.objectId, e.reason, e.object, e.previousObject])).toEqual([
        ["delete", String(a!.id), "external-mutation", undefined, undefined],
        ["update", "*", "external-mutation", undefined, undefined],
      ]);
      expect(entry.seq).toBe((await f.entries())[0]!.seq);
      for (const reader of [all, filtered]) {
        await reader.until(() => live(reader).length === 2);
        expect(live(reader).map((e) => [e.type, e.reason])).toEqual([["invalidate", "external-mutation"], ["invalidate", "external-mutation"]]);
      }
      await expect(recordExternalMutation("people", "upsert" as never, { hub: f.hub })).rejects.toThrow(TypeError);
    });
  });
}
