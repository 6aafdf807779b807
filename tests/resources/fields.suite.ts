/** Field policies and computed fields (spec 10 §10) on the single-row routes and the query parameters. */
import { describe, it, expect, beforeEach } from "vitest";
import { eq } from "drizzle-orm";
import { createCovara, type ResourceConfig } from "../../src/index.js";
import type { DbHarness } from "./harness.js";

const json = (body: unknown) => ({ body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json" } });

export function fieldsSuite(getHarness: () => DbHarness) {
  describe("field policies", () => {
    let h: DbHarness;
    const build = (config: Partial<ResourceConfig>) => createCovara().resource("/posts", h.blog.posts, { id: h.blog.posts.id, db: h.db, ...config });
    const stored = async (id: number) => {
      const [row] = await h.db.select().from(h.blog.posts).where(eq(h.blog.posts.id, id));
      return row as Record<string, any>;
    };
    const seed = async (values: Record<string, unknown>) => {
      const [row] = await h.db.insert(h.blog.posts).values({ title: "seed", ...values }).returning();
      return row as Record<string, any>;
    };

    beforeEach(async () => {
      h = getHarness();
      await h.reset();
    });

    describe("readable", () => {
      const masked = () => build({ fields: { readable: ["id", "title", "status"] }, computed: { shout: (row) => String(row.title).toUpperCase() } });

      it("rejects select naming a masked column with a 400 field-policy problem; unknown keys stay ignored", async () => {
        const app = masked();
        const post = await seed({ views: 5 });
        for (const path of [`/api/posts/${post.id}?select=title,views`, "/api/posts?select=views"]) {
          const res = await app.request(path);
          expect(res.status).toBe(400);
          expect(res.headers.get("content-type")).toBe("application/problem+json");
          const problem = await res.json();
          expect(problem).toMatchObject({ type: "/__covara/problems/validation-error", code: "VALIDATION_ERROR", operation: "select", field: "views", invalidFields: ["views"] });
          expect(problem.allowedFields.sort()).toEqual(["id", "shout", "status", "title"]);
        }
        expect(await (await app.request(`/api/posts/${post.id}?select=title,nosuch`)).json()).toEqual({ title: "seed", shout: "SEED" });
        expect((await (await app.request("/api/posts?select=shout")).json()).items).toEqual([{ shout: "SEED" }]);
      });

      it("rejects orderBy and filter on a masked column with 400", async () => {
        const app = masked();
        await seed({});
        const order = await app.request("/api/posts?orderBy=-views");
        expect(order.status).toBe(400);
        expect((await order.json()).code).toBe("VALIDATION_ERROR");
        const filter = await app.request(`/api/posts?filter=${encodeURIComponent("views>1")}`);
        expect(filter.status).toBe(400);
        expect((await filter.json()).code).toBe("FILTER_PARSE_ERROR");
        expect((await app.request("/api/posts?orderBy=-title")).status).toBe(200);
      });

      it("masks every write response but computes fields from the unmasked row", async () => {
        const app = build({ fields: { readable: ["id", "title"] }, computed: { popular: (row) => Number(row.views) > 10 } });
        const created = await (await app.request("/api/posts", { method: "POST", ...json({ title: "a", views: 11 }) })).json();
        expect(created).toEqual({ id: created.id, title: "a", popular: true });
        const patched = await (await app.request(`/api/posts/${created.id}`, { method: "PATCH", ...json({ views: 2 }) })).json();
        expect(patched).toEqual({ id: created.id, title: "a", popular: false });
        const put = await (await app.request(`/api/posts/${created.id}`, { method: "PUT", ...json({ title: "b", views: 30 }) })).json();
        expect(put).toEqual({ id: created.id, title: "b", popular: true });
      });
    });

    describe("writable", () => {
      it("never changes a non-writable column through POST, PATCH or PUT; the id stays exempt", async () => {
        const app = build({ fields: { writable: [h.blog.posts.title] } });
        const res = await app.request("/api/posts", { method: "POST", ...json({ title: "a", status: "published", views: 9, version: 7 }) });
        expect(res.status).toBe(201);
        const created = await res.json();
        expect(created).toMatchObject({ title: "a", status: "draft", views: 0, version: 1 });
        for (const method of ["PATCH", "PUT"]) {
          const write = await app.request(`/api/posts/${created.id}`, { method, ...json({ title: method, status: "published", views: 9, version: 7 }) });
          expect(write.status).toBe(200);
          expect(await write.json()).toMatchObject({ title: method, status: "draft", views: 0, version: 1 });
        }
        expect(await stored(created.id)).toMatchObject({ title: "PUT", status: "draft", views: 0, version: 1 });
        // A PATCH naming only non-writable columns writes nothing at all.
        const noop = await app.request(`/api/posts/${created.id}`, { method: "PATCH", ...json({ status: "published" }) });
        expect(await noop.json()).toMatchObject({ title: "PUT", status: "draft" });
      });

      it("lets hooks set non-writable columns", async () => {
        const app = build({
          fields: { writable: [h.blog.posts.title] },
          hooks: { onBeforeCreate: (_ctx, data) => ({ ...data, views: 3 }), onBeforeUpdate: (_ctx, _id, data) => ({ ...data, status: "published" }) },
        });
        const created = await (await app.request("/api/posts", { method: "POST", ...json({ title: "a", views: 100 }) })).json();
        expect(created.views).toBe(3);
        await app.request(`/api/posts/${created.id}`, { method: "PATCH", ...json({ title: "b", status: "archived" }) });
        expect(await stored(created.id)).toMatchObject({ title: "b", status: "published", views: 3 });
      });
    });

    describe("strictInput", () => {
      it("rejects unknown fields on POST, PATCH and PUT with 400 and writes nothing", async () => {
        const app = build({ strictInput: true });
        const post = await seed({});
        const create = await app.request("/api/posts", { method: "POST", ...json({ title: "a", colour: "red" }) });
        expect(create.status).toBe(400);
        expect(await create.json()).toMatchObject({ code: "VALIDATION_ERROR", errors: [{ field: "colour", message: "Unknown field" }], invalidFields: ["colour"] });
        for (const method of ["PATCH", "PUT"]) {
          const res = await app.request(`/api/posts/${post.id}`, { method, ...json({ title: "changed", colour: "red" }) });
          expect(res.status).toBe(400);
          expect((await res.json()).errors).toEqual([{ field: "colour", message: "Unknown field" }]);
        }
        expect(await stored(post.id)).toMatchObject({ title: "seed" });
        const rows = await h.db.select().from(h.blog.posts);
        expect(rows).toHaveLength(1);
        // Known but non-writable columns are still dropped, not rejected.
        const lenient = build({ strictInput: true, fields: { writable: ["title"] } });
        expect((await lenient.request(`/api/posts/${post.id}`, { method: "PATCH", ...json({ title: "ok", views: 4 }) })).status).toBe(200);
        expect(await stored(post.id)).toMatchObject({ title: "ok", views: 0 });
      });
    });

    describe("computed", () => {
      it("adds computed fields to POST, GET, PATCH, PUT and list responses, never storing them", async () => {
        const app = build({ computed: { slug: (row) => String(row.title).toLowerCase().replace(/\s+/g, "-") } });
        const created = await (await app.request("/api/posts", { method: "POST", ...json({ title: "Hello World", slug: "ignored" }) })).json();
        expect(created.slug).toBe("hello-world");
        expect((await (await app.request(`/api/posts/${created.id}`)).json()).slug).toBe("hello-world");
        expect((await (await app.request(`/api/posts/${created.id}`, { method: "PATCH", ...json({ title: "Second Title" }) })).json()).slug).toBe("second-title");
        expect((await (await app.request(`/api/posts/${created.id}`, { method: "PUT", ...json({ title: "Third" }) })).json()).slug).toBe("third");
        expect((await (await app.request("/api/posts")).json()).items[0].slug).toBe("third");
        expect(await stored(created.id)).not.toHaveProperty("slug");
      });
    });

    it("a bad body writes nothing: a missing PUT field, a wrong type, a null NOT NULL column", async () => {
      const app = build({});
      const post = await seed({ views: 2 });
      for (const [method, body] of [["PUT", { views: 3 }], ["PATCH", { views: "three", title: "x" }], ["PATCH", { title: null }], ["POST", { title: "x", views: 1.5 }]] as const) {
        const path = method === "POST" ? "/api/posts" : `/api/posts/${post.id}`;
        const res = await app.request(path, { method, ...json(body) });
        expect(res.status).toBe(400);
      }
      expect(await h.db.select().from(h.blog.posts)).toEqual([post]);
    });
  });
}
