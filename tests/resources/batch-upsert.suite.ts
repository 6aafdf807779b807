/** `POST /batch/upsert` (spec 10 §8): insert-or-update by primary key, all or nothing, on every database. */
import { describe, it, expect, beforeEach } from "vitest";
import { asc } from "drizzle-orm";
import { createCovara, rsql, type ResourceConfig } from "../../src/index.js";
import type { DbHarness } from "./harness.js";
import { headerAuth } from "./test-auth.js";

const signIn = headerAuth();

const upsert = (items: unknown[], user?: string): RequestInit => ({
  method: "POST",
  body: JSON.stringify({ items }),
  headers: { "content-type": "application/json", ...(user ? { "x-user": user } : {}) },
});

export function batchUpsertSuite(getHarness: () => DbHarness) {
  describe("batch upsert", () => {
    let h: DbHarness;
    const people = (config: Partial<ResourceConfig> = {}, withAuth = false) =>
      createCovara(withAuth ? { auth: { middleware: signIn } } : {}).resource("/people", h.table, { id: h.table.id, db: h.db, ...config });
    const stored = async () => (await h.db.select().from(h.table).orderBy(asc(h.table.id))) as Record<string, any>[];
    const snapshot = async () => (await stored()).map((r) => [r.id, r.name, r.role, r.age]);

    beforeEach(async () => {
      h = getHarness();
      await h.reset();
      const res = await people().request("/api/people/batch", upsert([
        { name: "a", email: "a@x", age: 30, role: "admin" },
        { name: "b", email: "b@x", age: 31 },
      ]));
      expect(res.status).toBe(200);
    });

    it("updates rows whose id exists (provided columns only), inserts the rest, answers in request order", async () => {
      const res = await people().request("/api/people/batch/upsert", upsert([
        { id: 2, name: "B", email: "b2@x" },
        { name: "c", email: "c@x" },
        { id: 50, name: "z", email: "z@x", age: 5 },
      ]));
      expect(res.status).toBe(200);
      const { items } = await res.json();
      expect(items.map((r: Record<string, unknown>) => [r.id, r.name, r.age])).toEqual([[2, "B", 31], [3, "c", null], [50, "z", 5]]);
      expect(await snapshot()).toEqual([[1, "a", "admin", 30], [2, "B", "user", 31], [3, "c", "user", null], [50, "z", "user", 5]]);
    });

    it("runs update hooks for existing ids and create hooks for new rows", async () => {
      const calls: string[] = [];
      const app = people({
        hooks: {
          onBeforeCreate: (_ctx, data) => void calls.push(`create:${data.name}`),
          onBeforeUpdate: (_ctx, id, data) => {
            calls.push(`update:${id}`);
            return { ...data, role: "edited" };
          },
          onAfterCreate: (_ctx, row) => void calls.push(`created:${row.id}`),
          onAfterUpdate: (_ctx, row) => void calls.push(`updated:${row.id}:${row.role}`),
        },
      });
      await app.request("/api/people/batch/upsert", upsert([{ id: 1, name: "A", email: "a@x" }, { id: 9, name: "n", email: "n@x" }]));
      expect(calls).toEqual(["update:1", "create:n", "updated:1:edited", "created:9"]);
      expect((await stored())[0]).toMatchObject({ name: "A", role: "edited", age: 30 });
    });

    it("needs create and update permission: 403, nothing written", async () => {
      const before = await snapshot();
      for (const auth of [{ update: () => "" }, { create: () => "" }]) {
        const res = await people({ auth }, true).request("/api/people/batch/upsert", upsert([{ name: "q", email: "q@x" }], "1:user"));
        expect(res.status).toBe(403);
        expect((await res.json()).code).toBe("FORBIDDEN");
      }
      expect(await snapshot()).toEqual(before);
    });

    it("refuses the whole request when an existing row is outside the update scope", async () => {
      const before = await snapshot();
      const app = people({ auth: { update: (user) => rsql`role==${String(user.role)}` } }, true);
      // Row 1 is an admin's: a user may neither overwrite it nor slip new rows in beside it.
      const res = await app.request("/api/people/batch/upsert", upsert([{ name: "new", email: "n@x" }, { id: 1, name: "hijack", email: "h@x" }], "7:user"));
      expect(res.status).toBe(403);
      expect(await snapshot()).toEqual(before);
      // Moving an in-scope row out of the scope is refused too.
      const moved = await app.request("/api/people/batch/upsert", upsert([{ id: 2, name: "b", email: "b@x", role: "admin" }], "7:user"));
      expect(moved.status).toBe(403);
      expect(await snapshot()).toEqual(before);
      const ok = await app.request("/api/people/batch/upsert", upsert([{ id: 2, name: "mine", email: "b@x" }], "7:user"));
      expect(ok.status).toBe(200);
    });

    it("refuses to overwrite a soft-deleted row", async () => {
      const posts = createCovara().resource("/posts", h.blog.posts, { id: h.blog.posts.id, db: h.db, softDelete: { field: h.blog.posts.deletedAt } });
      await posts.request("/api/posts/batch", upsert([{ title: "kept" }, { title: "gone" }]));
      expect(await (await posts.request(`/api/posts/batch?filter=${encodeURIComponent("id==2")}`, { method: "DELETE" })).json()).toEqual({ count: 1 });
      const res = await posts.request("/api/posts/batch/upsert", upsert([{ id: 1, title: "k2" }, { id: 2, title: "back" }]));
      expect(res.status).toBe(403);
      const rows = await h.db.select().from(h.blog.posts).orderBy(asc(h.blog.posts.id));
      expect(rows.map((r: Record<string, unknown>) => r.title)).toEqual(["kept", "gone"]);
    });

    it("leaves the table unchanged when an item violates a constraint in the middle", async () => {
      const posts = createCovara().resource("/posts", h.blog.posts, { id: h.blog.posts.id, db: h.db });
      await posts.request("/api/posts/batch", upsert([{ title: "one" }]));
      const items = [{ id: 1, title: "changed" }, ...Array.from({ length: 10 }, (_, i) => ({ title: `n${i}`, authorId: i === 5 ? 999 : null }))];
      expect((await posts.request("/api/posts/batch/upsert", upsert(items))).status).toBeGreaterThanOrEqual(400);
      const rows = await h.db.select().from(h.blog.posts);
      expect(rows.map((r: Record<string, unknown>) => r.title)).toEqual(["one"]);
    });

    it("validates every item as a full row, naming it, and refuses a repeated id", async () => {
      const before = await snapshot();
      const invalid = await people().request("/api/people/batch/upsert", upsert([{ id: 1, name: "A" }, { name: "x", email: "x", age: "old" }]));
      expect(invalid.status).toBe(400);
      expect((await invalid.json()).errors.map((e: { field: string }) => e.field).sort()).toEqual(["items[0].email", "items[1].age"]);
      const repeated = await people().request("/api/people/batch/upsert", upsert([{ id: 1, name: "A", email: "a" }, { id: 1, name: "B", email: "b" }]));
      expect(repeated.status).toBe(400);
      expect((await repeated.json()).errors).toEqual([{ field: "items[1].id", message: "Same id as items[0]" }]);
      const tooMany = await people({ batch: { create: 1 } }).request("/api/people/batch/upsert", upsert([{ name: "x", email: "x" }, { name: "y", email: "y" }]));
      expect(await tooMany.json()).toMatchObject({ code: "BATCH_LIMIT_EXCEEDED", operation: "upsert", limit: 1, requested: 2 });
      expect(await snapshot()).toEqual(before);
    });

    it("upserts 100 rows with every column set (chunked for D1's parameter limit)", async () => {
      const items = Array.from({ length: 100 }, (_, i) => ({
        ...(i % 2 === 0 ? { id: 1000 + i } : {}),
        name: `r${i}`, email: `r${i}@x`, role: "bulk", age: i, score: 1.5, active: false, createdAt: "2024-01-01T00:00:00.000Z",
      }));
      items[0] = { ...items[0]!, id: 1 };
      const res = await people().request("/api/people/batch/upsert", upsert(items));
      expect(res.status).toBe(200);
      expect((await res.json()).items.map((r: { age: number }) => r.age)).toEqual(items.map((_, i) => i));
      const rows = await stored();
      expect(rows).toHaveLength(101);
      expect(rows[0]).toMatchObject({ id: 1, name: "r0", role: "bulk" });
    });

    it("creates exactly one row when 20 requests upsert the same new key at once", async () => {
      const app = people();
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => app.request("/api/people/batch/upsert", upsert([{ id: 777, name: `racer${i}`, email: "r@x", age: i }]))),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
      const rows = (await stored()).filter((r) => r.id === 777);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.name).toMatch(/^racer\d+$/);
    });
  });
}
