/**
 * The security suite, writes (spec 40 §9.5, §19.20–26): user B tries every write endpoint to
 * change, create or learn about user A's rows. After every test A's rows are exactly as seeded,
 * and a refused request changed nothing at all.
 */
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { emptyScope, rsql } from "../../src/index.js";
import type { DbHarness } from "./harness.js";
import { A, as, B, blogApp, C, ownComments, ownPosts, seed, snapshot } from "./security-fixture.js";

const q = encodeURIComponent;
type App = ReturnType<typeof blogApp>;
type Row = Record<string, any>;

/** The rows of one user (posts by author `id`, comments owned by it) plus every author. */
const rowsOf = (id: number) => (s: Row) => ({
  authors: s.authors,
  posts: s.posts.filter((p: Row) => p.authorId === id),
  comments: s.comments.filter((c: Row) => c.ownerId === String(id)),
});
const everything = (s: Row) => s;

export function securityWritesSuite(getHarness: () => DbHarness) {
  describe("security: changing another user's rows", () => {
    let h: DbHarness;
    let before: Row;
    let app: App;
    /** What must be unchanged after the test: everything, unless a test legitimately writes some rows. */
    let unchanged: (s: Row) => Row;
    const send = async (path: string, init: RequestInit) => {
      const res = await app.request(path, init);
      return { status: res.status, body: res.status === 204 ? null : ((await res.json()) as any) };
    };
    const refused = async (path: string, init: RequestInit, status: number, code: string) => {
      const res = await send(path, init);
      expect(res.status, `${init.method} ${path}`).toBe(status);
      expect(res.body, `${init.method} ${path}`).toMatchObject({ status, code });
      expect(await snapshot(h), `${init.method} ${path}`).toEqual(before);
    };

    beforeEach(async () => {
      h = getHarness();
      await seed(h);
      before = await snapshot(h);
      app = blogApp(h);
      unchanged = everything;
    });
    afterEach(async () => {
      expect(unchanged(await snapshot(h))).toEqual(unchanged(before));
    });

    it("PATCH, PUT and DELETE of A's post are 404 for B, like a missing row", async () => {
      for (const id of [1, 999]) {
        await refused(`/api/posts/${id}`, as(B, "PATCH", { title: "pwned" }), 404, "NOT_FOUND");
        await refused(`/api/posts/${id}`, as(B, "PUT", { title: "pwned", authorId: 2 }), 404, "NOT_FOUND");
        await refused(`/api/posts/${id}`, as(B, "DELETE"), 404, "NOT_FOUND");
      }
    });

    it("a conditional write on A's post is 404, never a 412 that would confirm the row and its version", async () => {
      for (const tag of ['"1"', '"2"', "*"]) {
        await refused("/api/posts/1", as(B, "PATCH", { title: "x" }, { "if-match": tag }), 404, "NOT_FOUND");
        await refused("/api/posts/1", as(B, "DELETE", undefined, { "if-match": tag }), 404, "NOT_FOUND");
      }
    });

    it("B cannot restore or re-delete A's soft-deleted post through withDeleted", async () => {
      await refused("/api/posts/4?withDeleted=true", as(B, "PATCH", { deletedAt: null }), 404, "NOT_FOUND");
      await refused("/api/posts/4?withDeleted=true", as(B, "DELETE"), 404, "NOT_FOUND");
      expect((await send(`/api/posts/batch?withDeleted=true&filter=${q("id==4")}`, as(B, "PATCH", { deletedAt: null }))).body).toEqual({ count: 0 });
    });

    it("B cannot move its own post to A (403 on PATCH and PUT, nothing written)", async () => {
      await refused("/api/posts/3", as(B, "PATCH", { authorId: 1 }), 403, "FORBIDDEN");
      await refused("/api/posts/3", as(B, "PUT", { title: "B1", authorId: 1 }), 403, "FORBIDDEN");
      await refused(`/api/posts/batch?filter=${q("id==3")}`, as(B, "PATCH", { authorId: 1 }), 403, "FORBIDDEN");
    });

    it("B cannot create a post or comment owned by A, alone, in a batch or in an upsert", async () => {
      await refused("/api/posts", as(B, "POST", { title: "forged", authorId: 1 }), 403, "FORBIDDEN");
      await refused("/api/comments", as(B, "POST", { postId: 3, body: "forged", ownerId: "1" }), 403, "FORBIDDEN");
      const items = [{ title: "mine", authorId: 2 }, { title: "forged", authorId: 1 }];
      await refused("/api/posts/batch", as(B, "POST", { items }), 403, "FORBIDDEN");
      await refused("/api/posts/batch/upsert", as(B, "POST", { items }), 403, "FORBIDDEN");
    });

    it("batch PATCH and DELETE never reach A's rows, even when B names them", async () => {
      const ofA = q("id=in=(1,2,4)");
      expect((await send(`/api/posts/batch?filter=${ofA}`, as(B, "PATCH", { title: "pwned" }))).body).toEqual({ count: 0 });
      expect((await send(`/api/posts/batch?filter=${ofA}`, as(B, "DELETE"))).body).toEqual({ count: 0 });
      unchanged = rowsOf(1);
      // B's own comment on A's post is B's to delete; A's comment next to it stays.
      expect((await send(`/api/comments/batch?filter=${q("postId==1")}`, as(B, "DELETE"))).body).toEqual({ count: 1 });
      // Without a filter B touches exactly its own post.
      expect((await send("/api/posts/batch", as(B, "PATCH", { status: "closed" }))).body).toEqual({ count: 1 });
    });

    it("upserting A's id is 403 for the whole batch, also for A's soft-deleted row", async () => {
      await refused("/api/posts/batch/upsert", as(B, "POST", { items: [{ id: 1, title: "pwned", authorId: 2 }] }), 403, "FORBIDDEN");
      await refused("/api/posts/batch/upsert", as(B, "POST", { items: [{ id: 3, title: "ok", authorId: 2 }, { id: 2, title: "pwned", authorId: 2 }] }), 403, "FORBIDDEN");
      await refused("/api/posts/batch/upsert", as(B, "POST", { items: [{ id: 4, title: "pwned", authorId: 2 }] }), 403, "FORBIDDEN");
      await refused("/api/comments/batch/upsert", as(B, "POST", { items: [{ id: 1, postId: 1, body: "pwned", ownerId: "2" }] }), 403, "FORBIDDEN");
    });

    it("nested writes cannot create a post for A nor a child row owned by A", async () => {
      await refused("/api/posts", as(B, "POST", { title: "forged", authorId: 1, comments: [{ body: "c", ownerId: "2" }] }), 403, "FORBIDDEN");
      await refused("/api/posts", as(B, "POST", { title: "mine", authorId: 2, comments: [{ body: "c", ownerId: "1" }] }), 403, "FORBIDDEN");
    });

    it("a relation-path create scope stops B from commenting on A's post, checked in SQL", async () => {
      const onOwnPosts = (user: { id: unknown }) => rsql`ownerId==${String(user.id)};post.authorId==${user.id}`;
      app = blogApp(h, { comments: { auth: { read: ownComments, create: onOwnPosts, update: onOwnPosts } } });
      await refused("/api/comments", as(B, "POST", { postId: 1, body: "on A's", ownerId: "2" }), 403, "FORBIDDEN");
      await refused("/api/comments/batch", as(B, "POST", { items: [{ postId: 3, body: "ok", ownerId: "2" }, { postId: 2, body: "on A's", ownerId: "2" }] }), 403, "FORBIDDEN");
      // Moving B's comment on B's post over to A's post is an update out of scope.
      await refused("/api/comments/4", as(B, "PATCH", { postId: 1 }), 403, "FORBIDDEN");
      await refused(`/api/comments/batch?filter=${q("id==4")}`, as(B, "PATCH", { postId: 2 }), 403, "FORBIDDEN");
      unchanged = rowsOf(1);
      expect((await send("/api/comments", as(B, "POST", { postId: 3, body: "on mine", ownerId: "2" }))).status).toBe(201);
    });

    it("a relation-path update scope refuses moving a post out of the caller's org", async () => {
      app = blogApp(h, { posts: { auth: { scope: (user) => rsql`author.orgId==${String(user.org)}` } } });
      // C shares A's org: A's post is in C's scope, but handing it to B (org o2) leaves it.
      await refused("/api/posts/1", as(C, "PATCH", { authorId: 2 }), 403, "FORBIDDEN");
      await refused("/api/posts/batch/upsert", as(C, "POST", { items: [{ id: 2, title: "A2", authorId: 2 }] }), 403, "FORBIDDEN");
      await refused("/api/posts/1", as(B, "PATCH", { title: "pwned" }), 404, "NOT_FOUND");
      // Inside the org the same scope lets C edit A's post (the SQL check passes, not just fails).
      unchanged = rowsOf(2);
      expect((await send("/api/posts/1", as(C, "PATCH", { title: "edited in o1", authorId: 3 }))).body).toMatchObject({ title: "edited in o1", authorId: 3 });
    });

    it("an empty update or delete scope is 403 on every write, even for a known id", async () => {
      app = blogApp(h, { posts: { auth: { read: ownPosts, create: ownPosts, update: () => emptyScope(), delete: () => "" } } });
      for (const id of [3, 1, 999]) {
        await refused(`/api/posts/${id}`, as(B, "PATCH", { title: "x" }), 403, "FORBIDDEN");
        await refused(`/api/posts/${id}`, as(B, "PUT", { title: "x", authorId: 2 }), 403, "FORBIDDEN");
        await refused(`/api/posts/${id}`, as(B, "DELETE"), 403, "FORBIDDEN");
      }
      await refused(`/api/posts/batch?filter=${q("id==3")}`, as(B, "PATCH", { title: "x" }), 403, "FORBIDDEN");
      await refused(`/api/posts/batch?filter=${q("id==3")}`, as(B, "DELETE"), 403, "FORBIDDEN");
      await refused("/api/posts/batch/upsert", as(B, "POST", { items: [{ title: "new", authorId: 2 }] }), 403, "FORBIDDEN");
    });

    it("an empty create scope is 403 on POST, batch create, upsert and nested writes", async () => {
      app = blogApp(h, { posts: { auth: { scope: ownPosts, create: () => emptyScope() } } });
      await refused("/api/posts", as(B, "POST", { title: "x", authorId: 2 }), 403, "FORBIDDEN");
      await refused("/api/posts", as(B, "POST", { title: "x", authorId: 2, comments: [{ body: "c", ownerId: "2" }] }), 403, "FORBIDDEN");
      await refused("/api/posts/batch", as(B, "POST", { items: [{ title: "x", authorId: 2 }] }), 403, "FORBIDDEN");
      await refused("/api/posts/batch/upsert", as(B, "POST", { items: [{ id: 3, title: "x", authorId: 2 }] }), 403, "FORBIDDEN");
    });

    it("a scope function that throws or returns null denies writes with 403, not a 500", async () => {
      for (const scope of [() => { throw new Error("down"); }, () => null, () => undefined]) {
        app = blogApp(h, { posts: { auth: { read: ownPosts, create: scope as never, update: scope as never, delete: scope as never } } });
        await refused("/api/posts", as(B, "POST", { title: "x", authorId: 2 }), 403, "FORBIDDEN");
        await refused("/api/posts/3", as(B, "PATCH", { title: "x" }), 403, "FORBIDDEN");
        await refused("/api/posts/3", as(B, "DELETE"), 403, "FORBIDDEN");
      }
    });

    it("anonymous callers get 401 on every write, and public: true opens none of them", async () => {
      const writes: [string, RequestInit][] = [
        ["/api/posts", as(null, "POST", { title: "x", authorId: 1 })],
        ["/api/posts/1", as(null, "PATCH", { title: "x" })],
        ["/api/posts/1", as(null, "PUT", { title: "x", authorId: 1 })],
        ["/api/posts/1", as(null, "DELETE")],
        ["/api/posts/batch", as(null, "POST", { items: [{ title: "x", authorId: 1 }] })],
        ["/api/posts/batch", as(null, "PATCH", { title: "x" })],
        ["/api/posts/batch", as(null, "DELETE")],
        ["/api/posts/batch/upsert", as(null, "POST", { items: [{ id: 1, title: "x", authorId: 1 }] })],
      ];
      for (const auth of [{ scope: ownPosts }, { public: true, scope: ownPosts }, { public: { read: true, subscribe: true } }]) {
        app = blogApp(h, { posts: { auth } });
        for (const [path, init] of writes) await refused(path, init, 401, "UNAUTHORIZED");
      }
      // The public read itself works anonymously.
      expect((await send("/api/posts/1", as(null))).status).toBe(200);
    });

    it("A can still do everything to A's rows (the scopes are not simply closed)", async () => {
      unchanged = rowsOf(2);
      expect((await send("/api/posts/1", as(A, "PATCH", { title: "A1 edited" }))).status).toBe(200);
      expect((await send("/api/posts/2", as(A, "DELETE"))).status).toBe(204);
      expect((await send("/api/posts/batch/upsert", as(A, "POST", { items: [{ id: 1, title: "A1 again", authorId: 1 }] }))).status).toBe(200);
      const post = await send("/api/posts/1", as(A));
      expect(post.body).toMatchObject({ title: "A1 again", authorId: 1 });
    });
  });
}
