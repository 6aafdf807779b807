/** Nested write-through on `POST /` (spec 10 §8.1): parents, main row and children, all or nothing on every database. */
import { describe, it, expect, beforeEach } from "vitest";
import { asc, getTableColumns } from "drizzle-orm";
import { createCovara, rsql, type ResourceConfig } from "../../src/index.js";
import { createResourceRuntime } from "../../src/resource/runtime.js";
import { inWriteUnit } from "../../src/resource/batch/write-unit.js";
import { runPlan } from "../../src/resource/batch/nested-plan.js";
import type { DbHarness } from "./harness.js";
import { headerAuth } from "./test-auth.js";

const signIn = headerAuth("org");

const post = (body: unknown, user?: string): RequestInit => ({
  method: "POST",
  body: JSON.stringify(body),
  headers: { "content-type": "application/json", ...(user ? { "x-user": user } : {}) },
});

export function nestedWritesSuite(getHarness: () => DbHarness) {
  describe("nested writes", () => {
    let h: DbHarness;
    const all = async (table: any) => (await h.db.select().from(table).orderBy(asc(table.id))) as Record<string, any>[];
    const nothingWritten = async () => {
      expect(await all(h.blog.posts)).toEqual([]);
      expect(await all(h.blog.authors)).toEqual([]);
      expect(await all(h.blog.comments)).toEqual([]);
    };
    /** posts with author (belongsTo), comments (hasMany) and tags (manyToMany); extra resources mounted beside it. */
    const app = (options: { posts?: Partial<ResourceConfig>; comments?: Partial<ResourceConfig>; authors?: Partial<ResourceConfig>; auth?: boolean } = {}) => {
      const { posts, comments, authors, tags, postTags } = h.blog;
      const covara = createCovara(options.auth ? { auth: { middleware: signIn } } : {}).resource("/posts", posts, {
        id: posts.id,
        db: h.db,
        nestedWrites: true,
        relations: {
          author: { resource: "authors", schema: authors, type: "belongsTo", foreignKey: posts.authorId, references: authors.id },
          comments: { resource: "comments", schema: comments, type: "hasMany", foreignKey: comments.postId, references: posts.id },
          tags: { resource: "tags", schema: tags, type: "manyToMany", foreignKey: postTags.postId, references: tags.id, through: { schema: postTags, sourceKey: postTags.postId, targetKey: postTags.tagId } },
        },
        ...options.posts,
      });
      if (options.comments) covara.resource("/comments", comments, { id: comments.id, db: h.db, ...options.comments });
      if (options.authors) covara.resource("/authors", authors, { id: authors.id, db: h.db, ...options.authors });
      return covara;
    };

    beforeEach(async () => {
      h = getHarness();
      await h.reset();
    });

    it("creates the belongsTo parent, the row and its hasMany children; answers the main row only", async () => {
      // Rows already present, so generated keys are not simply 1.
      await h.db.insert(h.blog.authors).values([{ name: "old1" }, { name: "old2" }]);
      await h.db.insert(h.blog.posts).values({ title: "old" });
      const res = await app().request("/api/posts", post({ title: "Hello", author: { name: "Ada" }, comments: [{ body: "first" }, { body: "second", postId: 999 }] }));
      expect(res.status).toBe(201);
      const row = await res.json();
      expect(Object.keys(row).sort()).toEqual(["amount", "authorId", "deletedAt", "id", "status", "title", "updatedAt", "version", "views"]);
      expect(row).toMatchObject({ id: 2, title: "Hello", authorId: 3 });
      expect((await all(h.blog.authors)).map((a) => [a.id, a.name])).toEqual([[1, "old1"], [2, "old2"], [3, "Ada"]]);
      expect((await all(h.blog.comments)).map((c) => [c.postId, c.body])).toEqual([[2, "first"], [2, "second"]]);
    });

    it("binds a parent key given in the body directly, and accepts a single object for hasMany", async () => {
      const res = await app().request("/api/posts", post({ title: "T", author: { id: 50, name: "Given" }, comments: { body: "only" } }));
      expect(res.status).toBe(201);
      const row = await res.json();
      expect(row.authorId).toBe(50);
      expect((await all(h.blog.comments)).map((c) => [c.postId, c.body])).toEqual([[row.id, "only"]]);
    });

    it("creates a hasOne child from an object", async () => {
      const { authors, profiles } = h.blog;
      const covara = createCovara().resource("/authors", authors, {
        id: authors.id,
        db: h.db,
        nestedWrites: true,
        relations: { profile: { resource: "profiles", schema: profiles, type: "hasOne", foreignKey: profiles.authorId, references: authors.id } },
      });
      const res = await covara.request("/api/authors", post({ name: "Grace", profile: { bio: "Admiral" } }));
      expect(res.status).toBe(201);
      const author = await res.json();
      expect(author).not.toHaveProperty("profile");
      expect((await all(profiles)).map((p) => [p.authorId, p.bio])).toEqual([[author.id, "Admiral"]]);
    });

    it("drops manyToMany keys and other shapes; relation keys never trip strictInput", async () => {
      const res = await app({ posts: { strictInput: true } }).request("/api/posts", post({ title: "T", tags: [1, 2], author: "Ada", comments: [5, { body: "kept" }] }));
      expect(res.status).toBe(201);
      expect((await res.json()).authorId).toBeNull();
      expect(await all(h.blog.authors)).toEqual([]);
      expect(await h.db.select().from(h.blog.postTags)).toEqual([]);
      expect((await all(h.blog.comments)).map((c) => c.body)).toEqual(["kept"]);
    });

    it("names the nested field of an invalid row and writes nothing", async () => {
      const res = await app().request("/api/posts", post({ title: "T", author: { email: "no-name" }, comments: [{ body: "ok" }, { approved: "yes" }] }));
      expect(res.status).toBe(400);
      const problem = await res.json();
      expect(problem.code).toBe("VALIDATION_ERROR");
      expect(problem.errors.map((e: { field: string }) => e.field).sort()).toEqual(["author.name", "comments[1].approved", "comments[1].body"]);
      await nothingWritten();
    });

    it("validates nested rows with a registered target's rules (strictInput, writable)", async () => {
      const strict = await app({ comments: { strictInput: true } }).request("/api/posts", post({ title: "T", comments: [{ body: "b", nope: 1 }] }));
      expect(strict.status).toBe(400);
      expect((await strict.json()).errors).toEqual([{ field: "comments[0].nope", message: "Unknown field" }]);
      await nothingWritten();
      const res = await app({ comments: { fields: { writable: [h.blog.comments.body] } } }).request("/api/posts", post({ title: "T", comments: [{ body: "b", approved: true }] }));
      expect(res.status).toBe(201);
      expect((await all(h.blog.comments))[0]).toMatchObject({ body: "b", approved: false });
    });

    it("writes nothing when a child violates NOT NULL in the database", async () => {
      // generatedFields lets `body` pass validation; nested rows get no hooks, so NULL reaches the database.
      const res = await app({ comments: { generatedFields: [h.blog.comments.body] } }).request("/api/posts", post({ title: "T", author: { name: "Ada" }, comments: [{ body: "fine" }, {}] }));
      expect(res.status).toBe(400);
      expect((await res.json()).constraint).toBe("not-null");
      await nothingWritten();
    });

    it("writes nothing when the main row fails in the database after its parent was inserted", async () => {
      const res = await app().request("/api/posts", post({ title: "T", comments: [{ body: "c" }], author: { name: "A" }, version: null }));
      expect(res.status).toBe(400);
      const bad = await app({ posts: { hooks: { onBeforeCreate: (_ctx, data) => ({ ...data, title: null }) } } }).request("/api/posts", post({ title: "T", author: { name: "A" }, comments: [{ body: "c" }] }));
      expect(bad.status).toBe(400);
      await nothingWritten();
    });

    it("runs the main row's hooks (with a known parent key) and its create scope, not the children's", async () => {
      const calls: unknown[] = [];
      const res = await app({
        posts: {
          hooks: {
            onBeforeCreate: (_ctx, data) => {
              calls.push(["before", data.authorId, "comments" in data]);
              return { ...data, status: "hooked" };
            },
            onAfterCreate: (_ctx, row) => void calls.push(["after", row.authorId]),
          },
        },
        comments: { hooks: { onBeforeCreate: () => { throw new Error("nested rows run no hooks"); } } },
      }).request("/api/posts", post({ title: "T", author: { id: 7, name: "A" }, comments: [{ body: "c" }] }));
      expect(res.status).toBe(201);
      expect((await res.json()).status).toBe("hooked");
      expect(calls).toEqual([["before", 7, false], ["after", 7]]);
    });

    it("needs create permission on registered targets and checks their create scope: 403, nothing written", async () => {
      const denied = app({ auth: true, authors: { auth: { create: () => "" } } });
      expect((await denied.request("/api/posts", post({ title: "T", author: { name: "A" } }, "1:acme"))).status).toBe(403);
      const scoped = app({ auth: true, authors: { auth: { create: (user) => rsql`orgId==${String(user.org)}` } } });
      const outside = await scoped.request("/api/posts", post({ title: "T", author: { name: "A", orgId: "other" }, comments: [{ body: "c" }] }, "1:acme"));
      expect(outside.status).toBe(403);
      await nothingWritten();
      const inside = await scoped.request("/api/posts", post({ title: "T", author: { name: "A", orgId: "acme" } }, "1:acme"));
      expect(inside.status).toBe(201);
      const mainDenied = app({ auth: true, posts: { auth: { create: () => "" } } });
      expect((await mainDenied.request("/api/posts", post({ title: "T2", author: { name: "B" } }, "1:acme"))).status).toBe(403);
      expect(await all(h.blog.authors)).toHaveLength(1);
    });

    it("leaves relation keys alone without nestedWrites, and plain bodies to the normal create", async () => {
      const off = app({ posts: { nestedWrites: false } });
      expect((await off.request("/api/posts", post({ title: "T", author: { name: "A" } }))).status).toBe(201);
      expect(await all(h.blog.authors)).toEqual([]);
      const plain = await app().request("/api/posts", post({ title: "Plain" }));
      expect(plain.status).toBe(201);
      expect((await app().request("/api/posts", { method: "POST", body: "{oops", headers: { "content-type": "application/json" } })).status).toBe(400);
      expect((await all(h.blog.posts)).map((p) => p.title)).toEqual(["T", "Plain"]);
    });

    it("links a generated key past later inserts into the same table (the batch read-back offset)", async () => {
      const { authors, posts } = h.blog;
      const rt = createResourceRuntime(posts, { id: posts.id, db: h.db });
      await h.db.insert(authors).values({ name: "old" });
      const columns = (t: any) => getTableColumns(t) as any;
      const stored = await inWriteUnit(rt, (unit) =>
        runPlan(unit, [
          { table: authors, columns: columns(authors), values: { name: "first" }, refs: {} },
          { table: authors, columns: columns(authors), values: { name: "second" }, refs: {} },
          { table: posts, columns: columns(posts), values: { title: "p" }, refs: { authorId: { step: 0, key: "id" } } },
        ]),
      );
      expect(stored.map((r) => r.name ?? r.title)).toEqual(["first", "second", "p"]);
      expect(stored[2]!.authorId).toBe(stored[0]!.id);
      expect((await all(posts))[0]!.authorId).toBe(2);
    });
  });
}
