/** Lifecycle hooks (spec 10 §6.1, §12): order, data, errors, transactions per driver, composeHooks, timestamps. */
import { describe, it, expect, beforeEach } from "vitest";
import { count, eq } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { composeHooks, ConflictError, createCovara, createTimestampHooks, type HookContext, type ResourceConfig, type ResourceHooks } from "../../src/index.js";
import type { DbHarness } from "./harness.js";

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  body: typeof body === "string" ? body : JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});

/** Signs in `{ id: 7 }` unless the request says `x-anonymous`. */
const signedIn: MiddlewareHandler = async (c, next) => {
  if (!c.req.header("x-anonymous")) c.set("user" as never, { id: 7, role: "editor" } as never);
  await next();
};

export function hooksSuite(getHarness: () => DbHarness) {
  describe("lifecycle hooks", () => {
    let h: DbHarness;
    /** Drivers whose write and after-hook share a transaction; D1 and better-sqlite3 cannot hold one across an await. */
    let atomic: boolean;
    const build = (hooks: ResourceHooks, config: Partial<ResourceConfig> = {}) =>
      createCovara({ middleware: [signedIn] }).resource("/posts", h.blog.posts, { id: h.blog.posts.id, db: h.db, hooks, ...config });
    const stored = async (id: number) => {
      const [row] = await h.db.select().from(h.blog.posts).where(eq(h.blog.posts.id, id));
      return row as Record<string, any> | undefined;
    };
    const postCount = async () => Number((await h.db.select({ n: count() }).from(h.blog.posts))[0].n);
    const authorCount = async () => Number((await h.db.select({ n: count() }).from(h.blog.authors))[0].n);
    const seed = async (title = "seed") => {
      const res = await createCovara().resource("/posts", h.blog.posts, { id: h.blog.posts.id, db: h.db }).request("/api/posts", { method: "POST", ...json({ title }) });
      return (await res.json()).id as number;
    };

    beforeEach(async () => {
      h = getHarness();
      await h.reset();
      atomic = h.name !== "d1" && h.name !== "better-sqlite3";
    });

    it("POST: validate → strip → onBeforeCreate → INSERT → onAfterCreate, and a before-hook may set non-writable fields", async () => {
      const events: string[] = [];
      const app = build(
        {
          onBeforeCreate: (_ctx, data) => {
            events.push(`before ${JSON.stringify(data)}`);
            return { ...data, status: "published" };
          },
          onAfterCreate: (_ctx, row) => void events.push(`after ${row.id} ${row.status}`),
        },
        { fields: { writable: [h.blog.posts.title, h.blog.posts.views] } },
      );
      const res = await app.request("/api/posts", { method: "POST", ...json({ title: "t", views: 3, status: "mine", nope: 1 }) });
      expect(res.status).toBe(201);
      const row = await res.json();
      expect(row).toMatchObject({ title: "t", views: 3, status: "published" });
      expect(events).toEqual([`before {"title":"t","views":3}`, `after ${row.id} published`]);
      expect((await stored(row.id))!.status).toBe("published");
      // Invalid input never reaches the hook.
      expect((await app.request("/api/posts", { method: "POST", ...json({ views: "many" }) })).status).toBe(400);
      expect(events).toHaveLength(2);
    });

    it("a before-hook returning void keeps the data, including changes it made in place", async () => {
      const app = build({
        onBeforeCreate: (_ctx, data) => {
          data.views = 42;
        },
        onBeforeUpdate: () => undefined,
      });
      const created = await (await app.request("/api/posts", { method: "POST", ...json({ title: "v" }) })).json();
      expect(created).toMatchObject({ title: "v", views: 42 });
      const patched = await (await app.request(`/api/posts/${created.id}`, { method: "PATCH", ...json({ title: "w" }) })).json();
      expect(patched).toMatchObject({ title: "w", views: 42 });
    });

    it("checks permission before the body and the create scope against the post-hook row", async () => {
      const calls: string[] = [];
      const forbidden = build({ onBeforeCreate: () => void calls.push("before") }, { auth: { create: () => "" } });
      // No permission: 403 before the (invalid) body is even parsed.
      const denied = await forbidden.request("/api/posts", { method: "POST", ...json("{not json") });
      expect(denied.status).toBe(403);
      const scoped = { auth: { create: () => 'status=="draft"' } };
      const publishing = build({ onBeforeCreate: (_ctx, data) => ({ ...data, status: "published" }) }, scoped);
      const res = await publishing.request("/api/posts", { method: "POST", ...json({ title: "x", status: "draft" }) });
      expect(res.status).toBe(403);
      expect(await postCount()).toBe(0);
      const drafting = build({ onBeforeCreate: (_ctx, data) => ({ ...data, status: "draft" }) }, scoped);
      expect((await drafting.request("/api/posts", { method: "POST", ...json({ title: "x", status: "published" }) })).status).toBe(201);
      expect(calls).toEqual([]);
      expect(await postCount()).toBe(1);
    });

    it("PATCH/PUT: 404 and If-Match and validation come before onBeforeUpdate(ctx, id, data); the version bump after it", async () => {
      const id = await seed();
      const seen: unknown[] = [];
      const app = build(
        {
          onBeforeUpdate: (_ctx, hookId, data) => {
            seen.push([hookId, { ...data }]);
            return { ...data, title: String(data.title ?? "kept").toUpperCase() };
          },
          onAfterUpdate: (_ctx, row) => void seen.push(["after", row.title, row.version]),
        },
        { etag: { versionField: h.blog.posts.version } },
      );
      expect((await app.request("/api/posts/999", { method: "PATCH", ...json({ title: "a" }) })).status).toBe(404);
      expect((await app.request(`/api/posts/${id}`, { method: "PATCH", ...json({ title: "a" }, { "if-match": '"9"' }) })).status).toBe(412);
      expect((await app.request(`/api/posts/${id}`, { method: "PATCH", ...json({ views: "x" }) })).status).toBe(400);
      expect(seen).toEqual([]);
      const res = await app.request(`/api/posts/${id}`, { method: "PATCH", ...json({ title: "a", id: 5 }, { "if-match": '"1"' }) });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id, title: "A", version: 2 });
      expect(seen).toEqual([[String(id), { title: "a" }], ["after", "A", 2]]);
      const put = await app.request(`/api/posts/${id}`, { method: "PUT", ...json({ title: "b" }) });
      expect(await put.json()).toMatchObject({ title: "B", version: 3 });
    });

    it("a before-hook setting the version wins over the bump", async () => {
      const id = await seed();
      const app = build({ onBeforeUpdate: (_ctx, _id, data) => ({ ...data, version: 50 }) }, { etag: { versionField: "version" } });
      const res = await app.request(`/api/posts/${id}`, { method: "PATCH", ...json({ title: "x" }) });
      expect(res.headers.get("etag")).toBe('"50"');
      expect((await stored(id))!.version).toBe(50);
    });

    it("checks the update scope against the post-hook row", async () => {
      const id = await seed();
      const app = build({ onBeforeUpdate: (_ctx, _id, data) => ({ ...data, status: "published" }) }, { auth: { update: () => 'status=="draft"' } });
      const res = await app.request(`/api/posts/${id}`, { method: "PATCH", ...json({ title: "x" }) });
      expect(res.status).toBe(403);
      expect((await stored(id))!).toMatchObject({ title: "seed", status: "draft" });
    });

    it("DELETE: onBeforeDelete(ctx, id) then onAfterDelete(ctx, row before deletion)", async () => {
      const id = await seed("gone");
      const seen: unknown[] = [];
      const app = build({
        onBeforeDelete: async (_ctx, hookId) => void seen.push(["before", hookId, (await stored(id))?.title]),
        onAfterDelete: async (_ctx, row) => void seen.push(["after", row.id, row.title]),
      });
      expect((await app.request("/api/posts/999", { method: "DELETE" })).status).toBe(404);
      expect((await app.request(`/api/posts/${id}`, { method: "DELETE" })).status).toBe(204);
      expect(seen).toEqual([["before", String(id), "gone"], ["after", id, "gone"]]);
      expect(await stored(id)).toBeUndefined();
    });

    it("gives hooks db, schema, user, req and the Hono context", async () => {
      const contexts: HookContext[] = [];
      const counts: number[] = [];
      const app = build({
        onBeforeCreate: async (ctx) => {
          contexts.push(ctx);
          // The configured db is usable from a before-hook.
          counts.push(Number((await ctx.db.select({ n: count() }).from(h.blog.posts))[0].n));
        },
      });
      expect((await app.request("/api/posts", { method: "POST", ...json({ title: "c" }) })).status).toBe(201);
      expect((await app.request("/api/posts", { method: "POST", ...json({ title: "d" }, { "x-anonymous": "1" }) })).status).toBe(201);
      expect(counts).toEqual([0, 1]);
      const [ctx, anonymous] = contexts;
      expect(ctx!.db).toBe(h.db);
      expect(ctx!.schema).toBe(h.blog.posts);
      expect(ctx!.user).toMatchObject({ id: 7 });
      expect(ctx!.req.method).toBe("POST");
      expect(new URL(ctx!.req.url).pathname).toBe("/api/posts");
      expect(ctx!.context.req.path).toBe("/api/posts");
      expect(anonymous!.user).toBeNull();
    });

    it("a throwing hook keeps a ResourceError's status, anything else is a 500, and a before-hook failure writes nothing", async () => {
      const id = await seed();
      const conflict = build({
        onBeforeCreate: () => {
          throw new ConflictError("Slug taken", { field: "title" });
        },
        onBeforeUpdate: () => {
          throw new ConflictError("No edits");
        },
        onBeforeDelete: () => {
          throw new ConflictError("Keep it");
        },
      });
      const created = await conflict.request("/api/posts", { method: "POST", ...json({ title: "x" }) });
      expect(created.status).toBe(409);
      expect(created.headers.get("content-type")).toBe("application/problem+json");
      expect(await created.json()).toMatchObject({ code: "CONFLICT", detail: "Slug taken", field: "title" });
      expect((await conflict.request(`/api/posts/${id}`, { method: "PATCH", ...json({ title: "x" }) })).status).toBe(409);
      expect((await conflict.request(`/api/posts/${id}`, { method: "DELETE" })).status).toBe(409);
      const crash = build({
        onBeforeCreate: () => {
          throw new Error("kaput");
        },
      });
      const res = await crash.request("/api/posts", { method: "POST", ...json({ title: "y" }) });
      expect(res.status).toBe(500);
      expect((await res.json()).code).toBe("INTERNAL_ERROR");
      expect(await postCount()).toBe(1);
      expect((await stored(id))!.title).toBe("seed");
    });

    it("a throwing after-hook rolls the write back on interactive drivers; on D1 and better-sqlite3 the write stands and the error is returned", async () => {
      const id = await seed("kept");
      const fail = (): never => {
        throw new ConflictError("after-hook failed");
      };
      const app = build({
        onAfterCreate: async (ctx) => {
          await ctx.db.insert(h.blog.authors).values({ name: "audit" });
          fail();
        },
        onAfterUpdate: fail,
        onAfterDelete: fail,
      });
      const created = await app.request("/api/posts", { method: "POST", ...json({ title: "new" }) });
      expect(created.status).toBe(409);
      expect((await created.json()).code).toBe("CONFLICT");
      expect(await postCount()).toBe(atomic ? 1 : 2);
      // The hook's own write through ctx.db shares the fate of the row.
      expect(await authorCount()).toBe(atomic ? 0 : 1);
      expect((await app.request(`/api/posts/${id}`, { method: "PATCH", ...json({ title: "changed" }) })).status).toBe(409);
      expect((await stored(id))!.title).toBe(atomic ? "kept" : "changed");
      expect((await app.request(`/api/posts/${id}`, { method: "DELETE" })).status).toBe(409);
      expect(await stored(id)).toEqual(atomic ? expect.objectContaining({ title: "kept" }) : undefined);
    });

    it("an after-hook can write through ctx.db on every driver", async () => {
      const app = build({
        onAfterCreate: async (ctx, row) => {
          await ctx.db.insert(h.blog.comments).values({ postId: row.id as number, body: "first!" });
        },
      });
      const created = await (await app.request("/api/posts", { method: "POST", ...json({ title: "p" }) })).json();
      const comments = await h.db.select().from(h.blog.comments).where(eq(h.blog.comments.postId, created.id));
      expect(comments.map((c: { body: string }) => c.body)).toEqual(["first!"]);
    });

    it("concurrent writes with and without after-hook transactions, and batches, all succeed on one database", async () => {
      const id = await seed();
      const hooked = build({
        onAfterCreate: async (ctx, row) => {
          await ctx.db.insert(h.blog.comments).values({ postId: row.id as number, body: "hooked" });
        },
        onAfterUpdate: async (ctx, row) => {
          await ctx.db.insert(h.blog.comments).values({ postId: row.id as number, body: "updated" });
        },
      });
      const plain = createCovara().resource("/posts", h.blog.posts, { id: h.blog.posts.id, db: h.db });
      // Batches (one transaction each) interleaved with the single-row writes, through another app on the same database.
      const batches = Array.from({ length: 5 }, (_, i) => plain.request("/api/posts/batch", { method: "POST", ...json({ items: [{ title: `b${i}a` }, { title: `b${i}b` }] }) }));
      const responses = await Promise.all([
        ...Array.from({ length: 40 }, (_, i) =>
          i % 4 === 3
            ? hooked.request(`/api/posts/${id}`, { method: "PATCH", ...json({ views: i }) })
            : (i % 2 ? plain : hooked).request("/api/posts", { method: "POST", ...json({ title: `t${i}` }) }),
        ),
        ...batches,
      ]);
      expect(responses.map((res) => res.status).filter((s) => s >= 300)).toEqual([]);
      expect(await postCount()).toBe(41);
      const comments = await h.db.select().from(h.blog.comments);
      expect(comments.filter((c: { body: string }) => c.body === "hooked")).toHaveLength(20);
      expect(comments.filter((c: { body: string }) => c.body === "updated")).toHaveLength(10);
    });

    it("composeHooks chains before-hooks left to right (void keeps the value) and runs after-hooks in order", async () => {
      const log: string[] = [];
      const hooks = composeHooks(
        {
          onBeforeCreate: (_ctx, data) => ({ ...data, title: `${data.title}-1` }),
          onBeforeUpdate: (_ctx, id, data) => ({ ...data, title: `${data.title}-u1@${id}` }),
          onAfterCreate: () => void log.push("after 1"),
          onBeforeDelete: (_ctx, id) => void log.push(`delete 1 ${id}`),
          onAfterDelete: (_ctx, row) => void log.push(`deleted 1 ${row.title}`),
        },
        undefined,
        {
          onBeforeCreate: (_ctx, data) => void log.push(`before 2 ${data.title}`),
          onAfterCreate: async (_ctx, row) => void log.push(`after 2 ${row.title}`),
          onAfterUpdate: (_ctx, row) => void log.push(`updated ${row.title}`),
          onBeforeDelete: () => void log.push("delete 2"),
        },
        { onBeforeCreate: (_ctx, data) => ({ ...data, title: `${data.title}-3` }), onBeforeUpdate: (_ctx, _id, data) => ({ ...data, title: `${data.title}-u3` }) },
      );
      const app = build(hooks);
      const created = await (await app.request("/api/posts", { method: "POST", ...json({ title: "t" }) })).json();
      expect(created.title).toBe("t-1-3");
      await app.request(`/api/posts/${created.id}`, { method: "PATCH", ...json({ title: "p" }) });
      expect((await stored(created.id))!.title).toBe(`p-u1@${created.id}-u3`);
      await app.request(`/api/posts/${created.id}`, { method: "DELETE" });
      expect(log).toEqual([
        "before 2 t-1",
        "after 1",
        "after 2 t-1-3",
        `updated p-u1@${created.id}-u3`,
        `delete 1 ${created.id}`,
        "delete 2",
        `deleted 1 p-u1@${created.id}-u3`,
      ]);
    });

    it("createTimestampHooks sets updatedAt on create and update (createdAt is skipped where the table has none)", async () => {
      const app = build(composeHooks(createTimestampHooks(), { onBeforeUpdate: (_ctx, _id, data) => ({ ...data, views: 1 }) }));
      const before = Date.now();
      const created = await (await app.request("/api/posts", { method: "POST", ...json({ title: "t", updatedAt: "2000-01-01T00:00:00.000Z" }) })).json();
      expect(created).not.toHaveProperty("createdAt");
      const createdAt = Date.parse(created.updatedAt);
      expect(createdAt).toBeGreaterThanOrEqual(before);
      expect(createdAt).toBeLessThanOrEqual(Date.now());
      const patched = await (await app.request(`/api/posts/${created.id}`, { method: "PATCH", ...json({}) })).json();
      expect(Date.parse(patched.updatedAt)).toBeGreaterThanOrEqual(createdAt);
      expect(patched.views).toBe(1);
      expect((await stored(created.id))!.updatedAt.getTime()).toBe(Date.parse(patched.updatedAt));
      // On people (createdAt, no updatedAt) it fills createdAt and an update touches nothing else.
      const people = createCovara().resource("/people", h.table, { id: h.table.id, db: h.db, hooks: createTimestampHooks() });
      const person = await (await people.request("/api/people", { method: "POST", ...json({ name: "P", email: "p@x" }) })).json();
      expect(Date.parse(person.createdAt)).toBeGreaterThanOrEqual(before);
      const same = await people.request(`/api/people/${person.id}`, { method: "PATCH", ...json({}) });
      expect(same.status).toBe(200);
      expect(await same.json()).toEqual(person);
    });
  });
}
