/** Batch create, update, delete and upsert (spec 10 §8), all or nothing on every database. */
import { describe, it, expect, beforeEach } from "vitest";
import { asc } from "drizzle-orm";
import { createCovara, rsql, type ResourceConfig } from "../../src/index.js";
import type { DbHarness } from "./harness.js";
import { headerAuth } from "./test-auth.js";

const signIn = headerAuth();

const send = (method: string, body?: unknown, user?: string): RequestInit => ({
  method,
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  headers: { "content-type": "application/json", ...(user ? { "x-user": user } : {}) },
});

const person = (i: number, extra: Record<string, unknown> = {}) => ({ name: `p${i}`, email: `p${i}@x`, ...extra });
const q = (filter: string) => `?filter=${encodeURIComponent(filter)}`;

export function batchSuite(getHarness: () => DbHarness) {
  describe("batch operations", () => {
    let h: DbHarness;
    const people = (config: Partial<ResourceConfig> = {}, withAuth = false) =>
      createCovara(withAuth ? { auth: { middleware: signIn } } : {}).resource("/people", h.table, { id: h.table.id, db: h.db, ...config });
    const stored = async () => (await h.db.select().from(h.table).orderBy(asc(h.table.id))) as Record<string, any>[];
    const storedPosts = async () => (await h.db.select().from(h.blog.posts).orderBy(asc(h.blog.posts.id))) as Record<string, any>[];
    const seed = async (n: number, extra: (i: number) => Record<string, unknown> = () => ({})) => {
      const res = await people().request("/api/people/batch", send("POST", { items: Array.from({ length: n }, (_, i) => person(i, extra(i))) }));
      expect(res.status).toBe(200);
      return (await res.json()).items as Record<string, any>[];
    };

    beforeEach(async () => {
      h = getHarness();
      await h.reset();
    });

    describe("POST /batch", () => {
      it("creates every item in order: 200 { items } with defaults, computed fields and the read mask", async () => {
        const app = people({ computed: { label: (row) => `${row.name}<${row.email}>` }, fields: { readable: [h.table.id, h.table.name, h.table.role] } });
        const res = await app.request("/api/people/batch", send("POST", { items: [person(1), person(2, { role: "admin" }), person(3)] }));
        expect(res.status).toBe(200);
        const { items } = await res.json();
        expect(items.map((r: Record<string, unknown>) => [r.name, r.role, r.label])).toEqual([["p1", "user", "p1<p1@x>"], ["p2", "admin", "p2<p2@x>"], ["p3", "user", "p3<p3@x>"]]);
        expect(Object.keys(items[0]).sort()).toEqual(["id", "label", "name", "role"]);
        expect((await stored()).map((r) => [r.id, r.email, r.active])).toEqual(items.map((r: { id: number; name: string }) => [r.id, `${r.name}@x`, true]));
      });

      it("creates 100 rows with every column set (more parameters than D1 binds per statement)", async () => {
        const items = Array.from({ length: 100 }, (_, i) => person(i, { role: "r", age: i, score: i / 2, active: i % 2 === 0, createdAt: "2024-01-01T00:00:00.000Z" }));
        const res = await people().request("/api/people/batch", send("POST", { items }));
        expect(res.status).toBe(200);
        expect((await res.json()).items.map((r: { age: number }) => r.age)).toEqual(items.map((_, i) => i));
        expect(await stored()).toHaveLength(100);
      });

      it("rejects the whole batch when one item is invalid, naming the item, and writes nothing", async () => {
        const res = await people().request("/api/people/batch", send("POST", { items: [person(0), person(1), { name: "x" }, person(3, { age: "old" })] }));
        expect(res.status).toBe(400);
        expect(res.headers.get("content-type")).toBe("application/problem+json");
        const problem = await res.json();
        expect(problem).toMatchObject({ type: "/__covara/problems/validation-error", code: "VALIDATION_ERROR" });
        expect(problem.errors.map((e: { field: string }) => e.field).sort()).toEqual(["items[2].email", "items[3].age"]);
        expect(await stored()).toEqual([]);
      });

      it.each([
        ["no items array", { rows: [] }],
        ["items that is not an array", { items: {} }],
        ["an item that is not an object", { items: [person(0), 5] }],
      ])("answers %s with a 400 validation-error", async (_label, body) => {
        const res = await people().request("/api/people/batch", send("POST", body));
        expect(res.status).toBe(400);
        expect((await res.json()).code).toBe("VALIDATION_ERROR");
        expect(await stored()).toEqual([]);
      });

      it("answers 400 batch-limit-exceeded above batch.create and writes nothing", async () => {
        const res = await people({ batch: { create: 2 } }).request("/api/people/batch", send("POST", { items: [person(0), person(1), person(2)] }));
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ type: "/__covara/problems/batch-limit-exceeded", code: "BATCH_LIMIT_EXCEEDED", operation: "create", limit: 2, requested: 3 });
        expect(await stored()).toEqual([]);
        expect((await people().request("/api/people/batch", send("POST", { items: Array.from({ length: 101 }, (_, i) => person(i)) }))).status).toBe(400);
      });

      it("leaves the table unchanged when an item violates a constraint in the middle (unique, foreign key)", async () => {
        const tags = createCovara().resource("/tags", h.blog.tags, { id: h.blog.tags.id, db: h.db });
        const names = Array.from({ length: 60 }, (_, i) => ({ name: `t${i}` }));
        names[40] = { name: "t3" };
        expect((await tags.request("/api/tags/batch", send("POST", { items: names }))).status).toBeGreaterThanOrEqual(400);
        expect(await h.db.select().from(h.blog.tags)).toEqual([]);

        const posts = createCovara().resource("/posts", h.blog.posts, { id: h.blog.posts.id, db: h.db });
        const items = Array.from({ length: 30 }, (_, i) => ({ title: `t${i}`, authorId: i === 20 ? 999 : null }));
        expect((await posts.request("/api/posts/batch", send("POST", { items }))).status).toBeGreaterThanOrEqual(400);
        expect(await storedPosts()).toEqual([]);
      });

      it("runs onBeforeCreate per item in order, then onAfterCreate per stored row", async () => {
        const calls: string[] = [];
        const app = people({
          hooks: {
            onBeforeCreate: (_ctx, data) => {
              calls.push(`before:${data.name}`);
              return { ...data, role: `hooked-${data.name}` };
            },
            onAfterCreate: (ctx, row) => {
              expect(ctx.user).toBeNull();
              calls.push(`after:${row.name}:${typeof row.id}`);
            },
          },
        });
        const { items } = await (await app.request("/api/people/batch", send("POST", { items: [person(1), person(2)] }))).json();
        expect(items.map((r: { role: string }) => r.role)).toEqual(["hooked-p1", "hooked-p2"]);
        expect(calls).toEqual(["before:p1", "before:p2", "after:p1:number", "after:p2:number"]);
      });

      it("writes nothing when a hook throws (before or after the insert on transactional drivers)", async () => {
        const before = people({ hooks: { onBeforeCreate: (_ctx, data) => { if (data.name === "p2") throw new Error("no p2"); } } });
        expect((await before.request("/api/people/batch", send("POST", { items: [person(1), person(2), person(3)] }))).status).toBe(500);
        expect(await stored()).toEqual([]);
      });

      it("drops non-writable fields and rejects unknown keys under strictInput, per item", async () => {
        const app = people({ fields: { writable: [h.table.name, h.table.email] } });
        const { items } = await (await app.request("/api/people/batch", send("POST", { items: [person(1, { role: "admin" })] }))).json();
        expect(items[0].role).toBe("user");
        const strict = people({ strictInput: true });
        const res = await strict.request("/api/people/batch", send("POST", { items: [person(1), person(2, { nope: 1 })] }));
        expect(res.status).toBe(400);
        const problem = await res.json();
        expect(problem.errors).toEqual([{ field: "items[1].nope", message: "Unknown field" }]);
        expect(problem.invalidFields).toEqual(["items[1].nope"]);
        expect(await stored()).toHaveLength(1);
      });

      it("needs create permission (403) and checks every row against the create scope", async () => {
        const scoped = people({ auth: { create: (user) => rsql`role==${String(user.role)}` } }, true);
        expect((await scoped.request("/api/people/batch", send("POST", { items: [person(1)] }))).status).toBe(401);
        const outside = await scoped.request("/api/people/batch", send("POST", { items: [person(1), person(2, { role: "admin" })] }, "7:user"));
        expect(outside.status).toBe(403);
        expect((await outside.json()).code).toBe("FORBIDDEN");
        expect(await stored()).toEqual([]);
        expect((await scoped.request("/api/people/batch", send("POST", { items: [person(1)] }, "7:user"))).status).toBe(200);
        const denied = people({ auth: { create: () => "" } }, true);
        expect((await denied.request("/api/people/batch", send("POST", { items: [person(3)] }, "7:user"))).status).toBe(403);
        expect(await stored()).toHaveLength(1);
      });
    });

    describe("PATCH /batch", () => {
      it("applies the body to every row matching the filter and answers the count", async () => {
        await seed(5, (i) => ({ age: i }));
        const res = await people().request(`/api/people/batch${q("age>=3")}`, send("PATCH", { role: "senior" }));
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ count: 2 });
        expect((await stored()).map((r) => r.role)).toEqual(["user", "user", "user", "senior", "senior"]);
      });

      it("targets every row in scope with a blank filter, and only rows in the update scope", async () => {
        await seed(4, (i) => ({ role: i < 2 ? "admin" : "user" }));
        const app = people({ auth: { update: (user) => rsql`role==${String(user.role)}` } }, true);
        expect(await (await app.request("/api/people/batch", send("PATCH", { age: 9 }, "1:user"))).json()).toEqual({ count: 2 });
        expect((await stored()).map((r) => r.age)).toEqual([null, null, 9, 9]);
        // A client filter cannot widen the scope.
        expect(await (await app.request(`/api/people/batch${q(`role=="admin",age==9`)}`, send("PATCH", { age: 1 }, "1:user"))).json()).toEqual({ count: 2 });
        expect((await stored()).map((r) => r.age)).toEqual([null, null, 1, 1]);
      });

      it("answers 403 under a deny scope and changes nothing (spec 40 §9.5)", async () => {
        await seed(2);
        const app = people({ auth: { update: () => "" } }, true);
        const res = await app.request("/api/people/batch", send("PATCH", { age: 5 }, "1:user"));
        expect(res.status).toBe(403);
        expect(await res.json()).toMatchObject({ code: "FORBIDDEN", type: "/__covara/problems/forbidden" });
        expect((await stored()).map((r) => r.age)).toEqual([null, null]);
      });

      it("refuses a patch that moves a row out of the update scope: 403, nothing written", async () => {
        await seed(3);
        const app = people({ auth: { update: (user) => rsql`role==${String(user.role)}` } }, true);
        const res = await app.request("/api/people/batch", send("PATCH", { role: "admin", age: 1 }, "1:user"));
        expect(res.status).toBe(403);
        expect((await stored()).map((r) => [r.role, r.age])).toEqual([["user", null], ["user", null], ["user", null]]);
      });

      it("answers batch-limit-exceeded with the matched count and writes nothing", async () => {
        await seed(5);
        const res = await people({ batch: { update: 3 } }).request(`/api/people/batch${q("age=isnull=true")}`, send("PATCH", { age: 1 }));
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ code: "BATCH_LIMIT_EXCEEDED", operation: "update", limit: 3, requested: 5 });
        expect((await stored()).every((r) => r.age === null)).toBe(true);
      });

      it("updates 150 rows in one request when the limit allows (IN lists chunked for D1)", async () => {
        for (let i = 0; i < 2; i++) await seed(75);
        const res = await people({ batch: { update: 200 } }).request("/api/people/batch", send("PATCH", { age: 42, role: "bulk" }));
        expect(await res.json()).toEqual({ count: 150 });
        expect((await stored()).every((r) => r.age === 42 && r.role === "bulk")).toBe(true);
      });

      it("chains onBeforeUpdate across rows; the final patch hits every row; onAfterUpdate per row", async () => {
        const rows = await seed(3);
        const seen: unknown[] = [];
        const after: unknown[] = [];
        const app = people({
          hooks: {
            onBeforeUpdate: (_ctx, id, data) => {
              seen.push([id, data.age]);
              return { ...data, age: Number(data.age) + 1 };
            },
            onAfterUpdate: (_ctx, row) => void after.push(row.id),
          },
        });
        expect(await (await app.request("/api/people/batch", send("PATCH", { age: 10 }))).json()).toEqual({ count: 3 });
        expect(seen).toEqual([[String(rows[0]!.id), 10], [String(rows[1]!.id), 11], [String(rows[2]!.id), 12]]);
        expect((await stored()).map((r) => r.age)).toEqual([13, 13, 13]);
        expect(after.sort()).toEqual(rows.map((r) => r.id).sort());
      });

      it("strips non-writable fields from the patch and enforces strictInput", async () => {
        await seed(2);
        const app = people({ fields: { writable: [h.table.age] } });
        expect(await (await app.request("/api/people/batch", send("PATCH", { age: 3, role: "admin", id: 99 }))).json()).toEqual({ count: 2 });
        expect((await stored()).map((r) => [r.id, r.role, r.age])).toEqual([[1, "user", 3], [2, "user", 3]]);
        const strict = await people({ strictInput: true }).request("/api/people/batch", send("PATCH", { age: 4, nope: true }));
        expect(strict.status).toBe(400);
        expect((await strict.json()).errors).toEqual([{ field: "nope", message: "Unknown field" }]);
        expect((await stored()).map((r) => r.age)).toEqual([3, 3]);
      });

      it("rejects a bad filter or patch with 400 and changes nothing", async () => {
        await seed(2);
        const badFilter = await people().request(`/api/people/batch${q("age=gt")}`, send("PATCH", { age: 3 }));
        expect(badFilter.status).toBe(400);
        expect((await badFilter.json()).code).toBe("FILTER_PARSE_ERROR");
        const badPatch = await people().request("/api/people/batch", send("PATCH", { age: "old" }));
        expect((await badPatch.json()).code).toBe("VALIDATION_ERROR");
        expect((await stored()).map((r) => r.age)).toEqual([null, null]);
      });

      it("skips soft-deleted rows and writes nothing when the patch breaks a constraint", async () => {
        const posts = createCovara().resource("/posts", h.blog.posts, { id: h.blog.posts.id, db: h.db, softDelete: { field: h.blog.posts.deletedAt } });
        await posts.request("/api/posts/batch", send("POST", { items: [{ title: "a" }, { title: "b" }, { title: "c" }] }));
        await posts.request(`/api/posts/batch${q(`title=="c"`)}`, send("DELETE"));
        expect(await (await posts.request("/api/posts/batch", send("PATCH", { views: 7 }))).json()).toEqual({ count: 2 });
        expect((await storedPosts()).map((r) => r.views)).toEqual([7, 7, 0]);
        expect((await posts.request("/api/posts/batch", send("PATCH", { authorId: 999 }))).status).toBeGreaterThanOrEqual(400);
        expect((await storedPosts()).map((r) => r.authorId)).toEqual([null, null, null]);
      });
    });

    describe("DELETE /batch", () => {
      it("deletes every matching row and answers the count", async () => {
        await seed(5, (i) => ({ age: i }));
        const res = await people().request(`/api/people/batch${q("age<2")}`, send("DELETE"));
        expect(await res.json()).toEqual({ count: 2 });
        expect((await stored()).map((r) => r.age)).toEqual([2, 3, 4]);
      });

      it("writes the soft-delete marker instead of deleting, and never counts a row twice", async () => {
        const posts = createCovara().resource("/posts", h.blog.posts, { id: h.blog.posts.id, db: h.db, softDelete: { field: h.blog.posts.deletedAt } });
        await posts.request("/api/posts/batch", send("POST", { items: [{ title: "a" }, { title: "b" }, { title: "c" }] }));
        expect(await (await posts.request(`/api/posts/batch${q(`title!="c"`)}`, send("DELETE"))).json()).toEqual({ count: 2 });
        const rows = await storedPosts();
        expect(rows.map((r) => r.deletedAt instanceof Date)).toEqual([true, true, false]);
        expect(await (await posts.request("/api/posts/batch", send("DELETE"))).json()).toEqual({ count: 1 });
        expect(await (await posts.request("/api/posts/count")).json()).toEqual({ count: 0 });
        expect(await storedPosts()).toHaveLength(3);
      });

      it("deletes only rows in the delete scope; a deny scope answers 403", async () => {
        await seed(4, (i) => ({ role: i < 2 ? "admin" : "user" }));
        const denied = people({ auth: { delete: () => "" } }, true);
        expect((await denied.request("/api/people/batch", send("DELETE", undefined, "1:user"))).status).toBe(403);
        expect(await stored()).toHaveLength(4);
        const scoped = people({ auth: { delete: (user) => rsql`role==${String(user.role)}` } }, true);
        expect(await (await scoped.request("/api/people/batch", send("DELETE", undefined, "1:user"))).json()).toEqual({ count: 2 });
        expect((await stored()).map((r) => r.role)).toEqual(["admin", "admin"]);
        expect((await scoped.request("/api/people/batch", send("DELETE"))).status).toBe(401);
      });

      it("answers batch-limit-exceeded above batch.delete and deletes nothing; 120 rows go when allowed", async () => {
        await seed(60);
        await seed(60);
        const res = await people({ batch: { delete: 100 } }).request("/api/people/batch", send("DELETE"));
        expect(await res.json()).toMatchObject({ code: "BATCH_LIMIT_EXCEEDED", operation: "delete", limit: 100, requested: 120 });
        expect(await stored()).toHaveLength(120);
        expect(await (await people({ batch: { delete: 120 } }).request("/api/people/batch", send("DELETE"))).json()).toEqual({ count: 120 });
        expect(await stored()).toEqual([]);
      });

      it("runs onBeforeDelete per row and onAfterDelete with the row as it was", async () => {
        const rows = await seed(2);
        const calls: unknown[] = [];
        const app = people({
          hooks: {
            onBeforeDelete: (_ctx, id) => void calls.push(["before", id]),
            onAfterDelete: (_ctx, row) => void calls.push(["after", row.name]),
          },
        });
        await app.request("/api/people/batch", send("DELETE"));
        expect(calls).toEqual([["before", String(rows[0]!.id)], ["before", String(rows[1]!.id)], ["after", "p0"], ["after", "p1"]]);
      });

      it("writes nothing when onBeforeDelete throws for one row", async () => {
        await seed(3);
        const app = people({ hooks: { onBeforeDelete: (_ctx, id) => { if (id === "2") throw new Error("keep 2"); } } });
        expect((await app.request("/api/people/batch", send("DELETE"))).status).toBe(500);
        expect(await stored()).toHaveLength(3);
      });
    });

    describe("routes", () => {
      it("wins over /:id, and disappears with enableBatch: false or a 0 limit", async () => {
        await seed(1);
        const off = people({ capabilities: { enableBatch: false } });
        for (const [method, path] of [["POST", "/batch"], ["PATCH", "/batch"], ["DELETE", "/batch"], ["POST", "/batch/upsert"]] as const) {
          const res = await off.request(`/api/people${path}`, send(method, method === "DELETE" ? undefined : method === "PATCH" ? { age: 1 } : { items: [person(9)] }));
          expect(res.status).toBe(404);
        }
        const noCreate = people({ batch: { create: 0 } });
        expect((await noCreate.request("/api/people/batch", send("POST", { items: [person(9)] }))).status).toBe(404);
        expect((await noCreate.request("/api/people/batch/upsert", send("POST", { items: [person(9)] }))).status).toBe(404);
        expect((await people({ batch: { update: 0 } }).request("/api/people/batch", send("PATCH", { age: 1 }))).status).toBe(404);
        expect((await people({ batch: { delete: 0 } }).request("/api/people/batch", send("DELETE"))).status).toBe(404);
        expect((await people({ capabilities: { enableDelete: false } }).request("/api/people/batch", send("DELETE"))).status).toBe(404);
        expect(await stored()).toHaveLength(1);
        expect((await stored())[0]!.age).toBeNull();
      });
    });
  });
}
