/** Database constraint violations answer problems (409 / 400), never 500, and write nothing. */
import { beforeEach, describe, expect, it } from "vitest";
import { createCovara } from "../../src/index.js";
import type { DbHarness } from "./harness.js";

const send = (method: string, body?: unknown) => ({ method, body: body === undefined ? undefined : JSON.stringify(body), headers: { "content-type": "application/json" } });

export function constraintsSuite(getHarness: () => DbHarness) {
  describe("constraint violations", () => {
    let h: DbHarness;
    let app: ReturnType<typeof createCovara>;

    beforeEach(async () => {
      h = getHarness();
      await h.reset();
      const { tags, authors, posts } = h.blog;
      app = createCovara()
        .resource("/tags", tags, { id: tags.id, db: h.db })
        .resource("/authors", authors, { id: authors.id, db: h.db })
        .resource("/posts", posts, { id: posts.id, db: h.db, hooks: { onBeforeUpdate: (_ctx, _id, data) => (data.title === "blank" ? { ...data, title: null } : data) } });
    });

    it("a duplicate unique value is 409 conflict naming the column, and the first row stays alone", async () => {
      expect((await app.request("/api/tags", send("POST", { name: "news" }))).status).toBe(201);
      const res = await app.request("/api/tags", send("POST", { name: "news" }));
      expect(res.status).toBe(409);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const problem = await res.json();
      expect(problem).toMatchObject({ type: "/__covara/problems/conflict", code: "CONFLICT", constraint: "unique", fields: ["name"] });
      expect(JSON.stringify(problem)).not.toContain("insert into");
      expect(await h.db.select().from(h.blog.tags)).toHaveLength(1);
    });

    it("a batch with a duplicate in the middle is 409 and writes nothing", async () => {
      const items = [{ name: "a" }, { name: "b" }, { name: "a" }, { name: "c" }];
      const res = await app.request("/api/tags/batch", send("POST", { items }));
      expect(res.status).toBe(409);
      expect(await h.db.select().from(h.blog.tags)).toEqual([]);
    });

    it("a reference to a missing row is 409, and so is deleting a row others reference", async () => {
      const dangling = await app.request("/api/posts", send("POST", { title: "T", authorId: 999 }));
      expect(dangling.status).toBe(409);
      expect((await dangling.json()).constraint).toBe("foreign-key");
      expect(await h.db.select().from(h.blog.posts)).toEqual([]);

      const author = await (await app.request("/api/authors", send("POST", { name: "Ada" }))).json();
      expect((await app.request("/api/posts", send("POST", { title: "T", authorId: author.id }))).status).toBe(201);
      const del = await app.request(`/api/authors/${author.id}`, { method: "DELETE" });
      expect(del.status).toBe(409);
      expect(await h.db.select().from(h.blog.authors)).toHaveLength(1);
    });

    it("a NULL a hook writes into a NOT NULL column is 400 and changes nothing", async () => {
      const post = await (await app.request("/api/posts", send("POST", { title: "kept" }))).json();
      const res = await app.request(`/api/posts/${post.id}`, send("PATCH", { title: "blank" }));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "VALIDATION_ERROR", constraint: "not-null" });
      expect((await (await app.request(`/api/posts/${post.id}`)).json()).title).toBe("kept");
    });
  });
}
