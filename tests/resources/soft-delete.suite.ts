/** Soft delete (spec 10 §9): DELETE writes a marker; every read and write skips marked rows unless ?withDeleted=true. */
import { describe, it, expect, beforeEach } from "vitest";
import { eq } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { createCovara, type ResourceConfig } from "../../src/index.js";
import type { DbHarness } from "./harness.js";

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  body: JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});

export function softDeleteSuite(getHarness: () => DbHarness) {
  describe("soft delete", () => {
    let h: DbHarness;
    let app: ReturnType<typeof build>;
    let ids: number[];
    const build = (config: Partial<ResourceConfig> = {}) =>
      createCovara().resource("/posts", h.blog.posts, { id: h.blog.posts.id, db: h.db, softDelete: { field: h.blog.posts.deletedAt }, ...config });
    const stored = async (id: number) => {
      const [row] = await h.db.select().from(h.blog.posts).where(eq(h.blog.posts.id, id));
      return row as Record<string, any> | undefined;
    };
    const titles = async (query = "") => ((await (await app.request(`/api/posts${query}`)).json()).items as { title: string }[]).map((r) => r.title);
    const count = async (query = "") => (await (await app.request(`/api/posts/count${query}`)).json()).count as number;

    beforeEach(async () => {
      h = getHarness();
      await h.reset();
      app = build();
      ids = [];
      for (const title of ["a", "b", "c"]) {
        const res = await app.request("/api/posts", { method: "POST", ...json({ title, views: title.charCodeAt(0) }) });
        ids.push((await res.json()).id);
      }
    });

    it("DELETE answers 204 and marks the row instead of removing it", async () => {
      const before = Date.now();
      const res = await app.request(`/api/posts/${ids[1]}`, { method: "DELETE" });
      expect(res.status).toBe(204);
      expect(await res.text()).toBe("");
      const row = (await stored(ids[1]!))!;
      expect(row.title).toBe("b");
      expect(row.deletedAt).toBeInstanceOf(Date);
      expect(row.deletedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(row.deletedAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it("hides deleted rows from list, get, count, filters and totalCount unless withDeleted=true", async () => {
      await app.request(`/api/posts/${ids[1]}`, { method: "DELETE" });
      expect(await titles()).toEqual(["a", "c"]);
      expect(await titles(`?filter=${encodeURIComponent("views>=98")}&orderBy=-views`)).toEqual(["c"]);
      expect((await (await app.request("/api/posts?totalCount=true")).json()).totalCount).toBe(2);
      expect(await count()).toBe(2);
      expect((await app.request(`/api/posts/${ids[1]}`)).status).toBe(404);
      expect(await titles("?withDeleted=true")).toEqual(["a", "b", "c"]);
      expect(await count("?withDeleted=true")).toBe(3);
      expect(await count(`?withDeleted=true&filter=${encodeURIComponent("deletedAt=isnull=false")}`)).toBe(1);
      const got = await app.request(`/api/posts/${ids[1]}?withDeleted=true`);
      expect(got.status).toBe(200);
      expect((await got.json()).deletedAt).not.toBeNull();
      // Only the literal "true" disables the exclusion.
      expect(await count("?withDeleted=1")).toBe(2);
    });

    it("answers 404 to deleting an already-deleted row, with or without withDeleted, and keeps the first marker", async () => {
      await app.request(`/api/posts/${ids[0]}`, { method: "DELETE" });
      const marker = (await stored(ids[0]!))!.deletedAt.getTime();
      for (const query of ["", "?withDeleted=true"]) {
        const res = await app.request(`/api/posts/${ids[0]}${query}`, { method: "DELETE" });
        expect(res.status).toBe(404);
        expect((await res.json()).code).toBe("NOT_FOUND");
      }
      expect((await stored(ids[0]!))!.deletedAt.getTime()).toBe(marker);
    });

    it("refuses to PATCH or PUT a deleted row, and restores it with PATCH ?withDeleted=true", async () => {
      await app.request(`/api/posts/${ids[2]}`, { method: "DELETE" });
      expect((await app.request(`/api/posts/${ids[2]}`, { method: "PATCH", ...json({ title: "x" }) })).status).toBe(404);
      expect((await app.request(`/api/posts/${ids[2]}`, { method: "PUT", ...json({ title: "x" }) })).status).toBe(404);
      expect((await app.request(`/api/posts/${ids[2]}`, { method: "PATCH", ...json({ deletedAt: null }) })).status).toBe(404);
      expect((await stored(ids[2]!))!.title).toBe("c");
      const restored = await app.request(`/api/posts/${ids[2]}?withDeleted=true`, { method: "PATCH", ...json({ deletedAt: null }) });
      expect(restored.status).toBe(200);
      expect((await restored.json()).deletedAt).toBeNull();
      expect(await titles()).toEqual(["a", "b", "c"]);
      expect((await app.request(`/api/posts/${ids[2]}`)).status).toBe(200);
    });

    it("writes a custom deletedValue", async () => {
      const marker = new Date("2001-02-03T04:05:06.000Z");
      app = build({ softDelete: { field: "deletedAt", deletedValue: () => marker } });
      expect((await app.request(`/api/posts/${ids[0]}`, { method: "DELETE" })).status).toBe(204);
      expect((await stored(ids[0]!))!.deletedAt.toISOString()).toBe(marker.toISOString());
      expect(await titles()).toEqual(["b", "c"]);
      const got = await (await app.request(`/api/posts/${ids[0]}?withDeleted=true`)).json();
      expect(got.deletedAt).toBe(marker.toISOString());
    });

    it("writes an ISO-8601 string marker on a text column", async () => {
      // authors.orgId is a nullable text column: reused as a marker column to test the default for non-date columns.
      const authors = createCovara().resource("/authors", h.blog.authors, { id: h.blog.authors.id, db: h.db, softDelete: { field: h.blog.authors.orgId } });
      const created = await (await authors.request("/api/authors", { method: "POST", ...json({ name: "Ann" }) })).json();
      expect((await authors.request(`/api/authors/${created.id}`, { method: "DELETE" })).status).toBe(204);
      const [row] = await h.db.select().from(h.blog.authors).where(eq(h.blog.authors.id, created.id));
      expect(row.orgId).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect((await (await authors.request("/api/authors")).json()).items).toEqual([]);
    });

    it("keeps soft delete behind the delete scope and If-Match", async () => {
      app = build({ etag: { versionField: h.blog.posts.version } });
      const stale = await app.request(`/api/posts/${ids[0]}`, { method: "DELETE", headers: { "if-match": '"5"' } });
      expect(stale.status).toBe(412);
      expect((await stored(ids[0]!))!.deletedAt).toBeNull();
      expect((await app.request(`/api/posts/${ids[0]}`, { method: "DELETE", headers: { "if-match": '"1"' } })).status).toBe(204);
      expect((await stored(ids[0]!))!.deletedAt).not.toBeNull();
      const signedIn: MiddlewareHandler = async (c, next) => {
        c.set("user" as never, { id: 1 } as never);
        await next();
      };
      const scoped = createCovara({ middleware: [signedIn] }).resource("/posts", h.blog.posts, {
        id: h.blog.posts.id,
        db: h.db,
        softDelete: { field: h.blog.posts.deletedAt },
        auth: { delete: () => "views==98" },
      });
      expect((await scoped.request(`/api/posts/${ids[2]}`, { method: "DELETE" })).status).toBe(404);
      expect((await stored(ids[2]!))!.deletedAt).toBeNull();
      expect((await scoped.request(`/api/posts/${ids[1]}`, { method: "DELETE" })).status).toBe(204);
    });

    it("runs delete hooks with the row as it was before the marker", async () => {
      const seen: unknown[] = [];
      app = build({ hooks: { onBeforeDelete: (_ctx, id) => void seen.push(id), onAfterDelete: (_ctx, row) => void seen.push(row.deletedAt) } });
      expect((await app.request(`/api/posts/${ids[0]}`, { method: "DELETE" })).status).toBe(204);
      expect(seen).toEqual([String(ids[0]), null]);
    });
  });
}
