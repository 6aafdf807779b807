/** Relations and `?include=` (spec 10 §14), scope and masking of included rows, on every database. */
import { describe, it, expect, beforeEach } from "vitest";
import { eq } from "drizzle-orm";
import { createCovara, rsql, type ResourceConfig } from "../../src/index.js";
import type { DbHarness } from "./harness.js";
import { headerAuth } from "./test-auth.js";

type Over = Partial<Record<"authors" | "profiles" | "posts" | "comments" | "tags", Partial<ResourceConfig>>>;
type Row = Record<string, any>;

const signIn = headerAuth("role", { stringIds: true });

/** Inserts in slices of 10 rows, so no statement passes D1's 100 bound parameters. */
async function insert(h: DbHarness, table: any, rows: Row[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 10) await h.db.insert(table).values(rows.slice(i, i + 10));
}

export function relationsSuite(getHarness: () => DbHarness) {
  describe("relations and include", () => {
    let h: DbHarness;
    let b: any;

    const relations = () => ({
      posts: {
        author: { resource: "authors", schema: b.authors, type: "belongsTo", foreignKey: b.posts.authorId, references: b.authors.id },
        comments: { resource: "comments", schema: b.comments, type: "hasMany", foreignKey: b.comments.postId, references: b.posts.id },
        tags: {
          resource: "tags", schema: b.tags, type: "manyToMany", foreignKey: b.postTags.postId, references: b.tags.id,
          through: { schema: b.postTags, sourceKey: b.postTags.postId, targetKey: b.postTags.tagId },
        },
      },
      authors: {
        profile: { resource: "profiles", schema: b.profiles, type: "hasOne", foreignKey: b.profiles.authorId, references: b.authors.id },
        posts: { resource: "posts", schema: b.posts, type: "hasMany", foreignKey: b.posts.authorId, references: b.authors.id },
      },
    });

    /** The blog resources, posts registered first so targets register after their sources. */
    const blogApp = (over: Over = {}, auth = false) => {
      const r = relations();
      const base = (table: any, extra: Partial<ResourceConfig> = {}) => ({ id: table.id, db: h.db, ...extra });
      return createCovara(auth ? { auth: { middleware: signIn } } : {})
        .resource(b.posts, base(b.posts, { relations: r.posts as any, softDelete: { field: b.posts.deletedAt }, ...over.posts }))
        .resource(b.authors, base(b.authors, { relations: r.authors as any, ...over.authors }))
        .resource(b.profiles, base(b.profiles, over.profiles))
        .resource(b.comments, base(b.comments, over.comments))
        .resource(b.tags, base(b.tags, over.tags));
    };
    const get = async (app: { request(path: string, init?: RequestInit): Response | Promise<Response> }, path: string, user?: string) => {
      const res = await app.request(path, user ? { headers: { "x-user": user } } : {});
      return { status: res.status, body: (await res.json()) as any };
    };
    const q = encodeURIComponent;

    beforeEach(async () => {
      h = getHarness();
      b = h.blog;
      await h.reset();
      await insert(h, b.authors, [{ name: "Ann", email: "ann@x", orgId: "o1" }, { name: "Bob", email: "bob@x", orgId: "o2" }]);
      await insert(h, b.profiles, [{ authorId: 1, bio: "Ann's bio" }]);
      await insert(h, b.posts, [
        { authorId: 1, title: "P1" },
        { authorId: 1, title: "P2" },
        { authorId: 2, title: "P3" },
        { authorId: null, title: "P4" },
      ]);
      await insert(h, b.comments, [
        { postId: 1, body: "c1", approved: true, ownerId: "u1" },
        { postId: 1, body: "c2", approved: false, ownerId: "u2" },
        { postId: 1, body: "c3", approved: true, ownerId: "u1" },
        { postId: 2, body: "c4", approved: true, ownerId: "u2" },
      ]);
      await insert(h, b.tags, [{ name: "news" }, { name: "tech" }]);
      await insert(h, b.postTags, [{ postId: 1, tagId: 1 }, { postId: 1, tagId: 2 }, { postId: 2, tagId: 2 }]);
    });

    it("includes belongsTo, hasMany and manyToMany relations on a list", async () => {
      const { status, body } = await get(blogApp(), "/api/posts?include=author,comments,tags");
      expect(status).toBe(200);
      const [p1, p2, p3, p4] = body.items;
      expect(p1.author).toMatchObject({ id: 1, name: "Ann" });
      expect(p1.comments.map((c: Row) => c.body)).toEqual(["c1", "c2", "c3"]);
      expect(p1.tags.map((t: Row) => t.name)).toEqual(["news", "tech"]);
      expect(p2.tags).toEqual([{ id: 2, name: "tech" }]);
      expect(p3.author.name).toBe("Bob");
      expect(p3.comments).toEqual([]);
      expect(p3.tags).toEqual([]);
      expect(p4.author).toBeNull();
    });

    it("loads a hasMany include for a page of 20 with exactly 2 queries, and a nested one with 3", async () => {
      await insert(h, b.posts, Array.from({ length: 20 }, (_, i) => ({ authorId: 2, title: `bulk${i}` })));
      await insert(h, b.comments, Array.from({ length: 60 }, (_, i) => ({ postId: 5 + (i % 20), body: `b${i}` })));
      const app = blogApp();
      const plain = await h.countQueries(() => get(app, "/api/posts?limit=20"));
      expect(plain.queries).toBe(1);
      const { result, queries } = await h.countQueries(() => get(app, "/api/posts?limit=20&include=comments"));
      expect(queries).toBe(2);
      expect(result.body.items).toHaveLength(20);
      expect(result.body.items.at(-1).comments.map((c: Row) => c.body)).toEqual(["b15", "b35", "b55"]);
      const nested = await h.countQueries(() => get(app, "/api/authors?include=posts.comments"));
      expect(nested.queries).toBe(3);
      expect(nested.result.body.items[0].posts[0].comments.map((c: Row) => c.body)).toEqual(["c1", "c2", "c3"]);
    });

    it("includes on GET /:id, two levels deep, with hasOne", async () => {
      const { status, body } = await get(blogApp(), "/api/posts/1?include=author.profile,tags");
      expect(status).toBe(200);
      expect(body.author.name).toBe("Ann");
      expect(body.author.profile).toMatchObject({ authorId: 1, bio: "Ann's bio" });
      expect(body.tags).toHaveLength(2);
      const bob = await get(blogApp(), "/api/authors/2?include=profile,posts");
      expect(bob.body.profile).toBeNull();
      expect(bob.body.posts.map((p: Row) => p.title)).toEqual(["P3"]);
    });

    it("applies a per-parent limit and offset in one query", async () => {
      const app = blogApp();
      const { result, queries } = await h.countQueries(() => get(app, `/api/posts?include=${q("comments(limit:2)")}`));
      expect(queries).toBe(2);
      expect(result.body.items.map((p: Row) => p.comments.map((c: Row) => c.body))).toEqual([["c1", "c2"], ["c4"], [], []]);
      const offset = await get(app, `/api/posts?include=${q("comments(limit:1;offset:1),tags(offset:1)")}`);
      expect(offset.body.items[0].comments.map((c: Row) => c.body)).toEqual(["c2"]);
      expect(offset.body.items[1].comments).toEqual([]);
      expect(offset.body.items[0].tags.map((t: Row) => t.name)).toEqual(["tech"]);
      const byDefault = await get(blogApp({ posts: { include: { defaultLimit: 1 } } }), "/api/posts?include=comments");
      expect(byDefault.body.items[0].comments.map((c: Row) => c.body)).toEqual(["c1"]);
    });

    it("filters and projects included rows; includes and computed fields survive select", async () => {
      const app = blogApp({ comments: { computed: { shout: (row) => String(row.body).toUpperCase() } } });
      const filtered = await get(app, `/api/posts/1?include=${q("comments(filter:approved==true;select:id,body)")}`);
      expect(filtered.body.comments).toEqual([{ id: 1, body: "c1", shout: "C1" }, { id: 3, body: "c3", shout: "C3" }]);
      const joined = await get(app, `/api/posts/1?include=${q("comments(filter:approved==true and id=gt=1;select:body)")}`);
      expect(joined.body.comments).toEqual([{ body: "c3", shout: "C3" }]);
      // The FK was projected away; the author still loads from the full row.
      const projected = await get(app, "/api/posts?select=title&include=author");
      expect(projected.body.items[0]).toEqual({ title: "P1", author: { id: 1, name: "Ann", email: "ann@x", orgId: "o1" } });
    });

    it("answers 400 for unknown relations, options, malformed text and too deep includes", async () => {
      const app = blogApp({ posts: { include: { maxDepth: 1 } } });
      for (const include of ["nope", "author.nope", "comments(limit:x)", "comments(sort:id)", "comments(limit:2", "author,,tags", "comments(limit:1)x", "author.profile"]) {
        const { status, body } = await get(app, `/api/posts?include=${q(include)}`);
        expect([include, status, body.code]).toEqual([include, 400, "VALIDATION_ERROR"]);
      }
      expect((await get(app, "/api/posts/1?include=nope")).status).toBe(400);
      expect((await get(blogApp(), "/api/posts?include=author.profile")).status).toBe(200);
    });

    it("rejects relation paths and masked target columns in include filters", async () => {
      const app = blogApp({ comments: { fields: { readable: [b.comments.id, b.comments.postId, b.comments.body] } } });
      for (const filter of ['post.title=="P1"', 'ownerId=="u1"', 'nosuch==1']) {
        const { status, body } = await get(app, `/api/posts?include=${q(`comments(filter:${filter})`)}`);
        expect([filter, status, body.code]).toEqual([filter, 400, "FILTER_PARSE_ERROR"]);
      }
    });

    it("never reveals rows outside the target's read scope, masked columns or soft-deleted rows", async () => {
      const app = blogApp(
        {
          comments: { auth: { read: (user) => rsql`ownerId==${String(user.id)}` }, fields: { readable: [b.comments.id, b.comments.postId, b.comments.body] } },
          posts: { auth: { public: true } },
          authors: { auth: { public: true } },
          tags: { auth: { read: () => "" } },
        },
        true,
      );
      const mine = await get(app, "/api/posts/1?include=comments,tags", "u1");
      expect(mine.body.comments).toEqual([{ id: 1, postId: 1, body: "c1" }, { id: 3, postId: 1, body: "c3" }]);
      expect(mine.body.tags).toEqual([]);
      // A filter can never widen the scope.
      const widened = await get(app, `/api/posts/1?include=${q("comments(filter:id=gt=0,id=le=0)")}`, "u1");
      expect(widened.body.comments.map((c: Row) => c.id)).toEqual([1, 3]);
      // Anonymous callers may read posts but not comments: [] instead of a 401.
      const anonymous = await get(app, "/api/posts?include=comments,author");
      expect(anonymous.status).toBe(200);
      expect(anonymous.body.items[0].comments).toEqual([]);
      expect(anonymous.body.items[0].author.name).toBe("Ann");

      await h.db.update(b.posts).set({ deletedAt: new Date() }).where(eq(b.posts.id, 2));
      const ann = await get(app, "/api/authors/1?include=posts");
      expect(ann.body.posts.map((p: Row) => p.title)).toEqual(["P1"]);
    });

    it("loads eager relations without include, with defaultSelect; an include replaces the eager spec", async () => {
      const r = relations();
      const eager = { ...r.posts, author: { ...r.posts.author, strategy: "eager", defaultSelect: [b.authors.name] } };
      const app = blogApp({ posts: { relations: eager as any } });
      const list = await get(app, "/api/posts?limit=1");
      expect(list.body.items[0].author).toEqual({ name: "Ann" });
      expect(list.body.items[0].comments).toBeUndefined();
      const explicit = await get(app, `/api/posts/1?include=${q("author(select:email)")}`);
      expect(explicit.body.author).toEqual({ email: "ann@x" });
    });

    it("discovers belongsTo and hasMany relations from foreign keys with autoRelations", async () => {
      const auto = { relations: undefined, autoRelations: true };
      const app = blogApp({ posts: auto, authors: auto, comments: auto, profiles: auto });
      const post = await get(app, "/api/posts/1?include=author,comments");
      expect(post.body.author.name).toBe("Ann");
      expect(post.body.comments).toHaveLength(3);
      const author = await get(app, "/api/authors/1?include=profiles,posts.comments");
      expect(author.body.profiles.map((p: Row) => p.bio)).toEqual(["Ann's bio"]);
      expect(author.body.posts[0].comments).toHaveLength(3);
      const comment = await get(app, "/api/comments/1?include=post.author");
      expect(comment.body.post.author.name).toBe("Ann");
      // Without autoRelations nothing is discovered.
      expect((await get(blogApp({ comments: {} }), "/api/comments/1?include=post")).status).toBe(400);
    });

    it("compiles relation paths in scopes as EXISTS subqueries; user filters still reject them", async () => {
      const orgScope = { auth: { read: (user: { id: unknown }) => rsql`author.orgId==${String(user.id)}` } };
      const app = blogApp({ posts: orgScope, authors: { auth: { read: () => 'posts.title=="P3"' } }, comments: { auth: { read: () => 'post.author.orgId=="o1"' } }, tags: { auth: { public: true } } }, true);
      await insert(h, b.comments, [{ postId: 3, body: "c5" }]);
      const o1 = await get(app, "/api/posts", "o1");
      expect(o1.body.items.map((p: Row) => p.title)).toEqual(["P1", "P2"]);
      expect((await get(app, "/api/posts/3", "o1")).status).toBe(404);
      expect((await get(app, "/api/posts/count", "o2")).body).toEqual({ count: 1 });
      // hasMany hop, and two hops through an FK-discovered belongsTo (comments declare no relations).
      expect((await get(app, "/api/authors", "x")).body.items.map((a: Row) => a.name)).toEqual(["Bob"]);
      expect((await get(app, "/api/comments", "x")).body.items.map((c: Row) => c.body)).toEqual(["c1", "c2", "c3", "c4"]);
      // The scoped target of an include keeps its relation-path scope.
      const included = await get(app, "/api/authors/2?include=posts", "o1");
      expect(included.body.posts).toEqual([]);
      const tagged = blogApp({ posts: { auth: { read: () => 'tags.name=="tech"' } } }, true);
      expect((await get(tagged, "/api/posts", "x")).body.items.map((p: Row) => p.title)).toEqual(["P1", "P2"]);
      const filtered = await get(app, `/api/posts?filter=${q('author.orgId=="o1"')}`, "o1");
      expect([filtered.status, filtered.body.code]).toEqual([400, "FILTER_PARSE_ERROR"]);
      expect(filtered.body.detail).toContain("Relation paths are not allowed");
      const unknown = await get(blogApp({ posts: { auth: { read: () => 'editor.orgId=="o1"' } } }, true), "/api/posts", "x");
      expect([unknown.status, unknown.body.code]).toEqual([500, "INTERNAL_ERROR"]);
    });

    it("loads relations to an unregistered table without scope, filter rules still applied", async () => {
      const r = relations();
      const app = createCovara().resource(b.posts, { id: b.posts.id, db: h.db, relations: { comments: r.posts.comments } as any });
      const post = await get(app, `/api/posts/1?include=${q("comments(filter:approved==false)")}`);
      expect(post.body.comments.map((c: Row) => [c.body, c.ownerId])).toEqual([["c2", "u2"]]);
      const bad = await get(app, `/api/posts/1?include=${q("comments(filter:post.id==1)")}`);
      expect([bad.status, bad.body.code]).toEqual([400, "FILTER_PARSE_ERROR"]);
      expect((await get(app, "/api/posts/1?include=comments.post")).status).toBe(400);
    });

    it("loads includes for a page of 100 parents (D1 binds at most 100 parameters per statement)", async () => {
      await insert(h, b.posts, Array.from({ length: 100 }, (_, i) => ({ authorId: 1 + (i % 2), title: `bulk${i}` })));
      await insert(h, b.comments, Array.from({ length: 100 }, (_, i) => ({ postId: 5 + i, body: `b${i}` })));
      const app = blogApp({ posts: { pagination: { maxLimit: 100 } } });
      const { status, body } = await get(app, `/api/posts?limit=100&cursor=&include=${q("comments(filter:body!=\"zz\";limit:5),author,tags")}`);
      expect(status).toBe(200);
      expect(body.items).toHaveLength(100);
      expect(body.items.filter((p: Row) => p.comments.length === 1)).toHaveLength(97);
      expect(body.items.every((p: Row) => p.author !== undefined)).toBe(true);
    });
  });
}
