/**
 * The security suite, reads (spec 40 §9–§10, §19): user B tries every read endpoint to see or
 * learn about user A's rows. Every test also checks that nothing in the database changed.
 */
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { and as andScope, createCovara, createLogger, emptyScope, or as orScope, rsql, type LogRecord } from "../../src/index.js";
import type { DbHarness } from "./harness.js";
import { A, as, B, blogApp, C, ids, ownPosts, seed, signIn, snapshot } from "./security-fixture.js";

const q = encodeURIComponent;
type App = ReturnType<typeof blogApp>;

export function securitySuite(getHarness: () => DbHarness) {
  describe("security: reading another user's rows", () => {
    let h: DbHarness;
    let before: Record<string, unknown>;
    let app: App;
    const json = async (path: string, user: string | null = B, init?: RequestInit) => {
      const res = await app.request(path, init ?? as(user));
      return { status: res.status, body: (await res.json()) as any, headers: res.headers };
    };

    beforeEach(async () => {
      h = getHarness();
      await seed(h);
      before = await snapshot(h);
      app = blogApp(h);
    });
    afterEach(async () => {
      expect(await snapshot(h)).toEqual(before);
    });

    it("list shows B only B's posts, even when B filters by A's id or widens with an OR", async () => {
      expect(ids((await json("/api/posts")).body)).toEqual([3]);
      expect(ids((await json(`/api/posts?filter=${q("id==1")}`)).body)).toEqual([]);
      expect(ids((await json(`/api/posts?filter=${q("authorId==1,authorId==2")}`)).body)).toEqual([3]);
      expect(ids((await json("/api/posts", A)).body)).toEqual([1, 2]);
    });

    it("get of A's post is a 404 indistinguishable from a missing id", async () => {
      const hidden = await json("/api/posts/1");
      const missing = await json("/api/posts/999");
      expect(hidden.status).toBe(404);
      expect(missing.status).toBe(404);
      // Only the id itself and the per-request ids differ.
      const comparable = (body: any) => ({ ...body, detail: body.detail.replace(/'\d+'/, "'?'"), id: undefined, instance: undefined, requestId: undefined });
      expect(comparable(hidden.body)).toEqual(comparable(missing.body));
      expect(hidden.body.detail).toBe("posts with id '1' not found");
      expect(hidden.headers.get("etag")).toBeNull();
    });

    it("If-None-Match probing of A's post answers 404, never 304, and no ETag", async () => {
      for (const tag of ['"1"', '"2"', "*"]) {
        const res = await app.request("/api/posts/1", as(B, "GET", undefined, { "if-none-match": tag }));
        expect(res.status).toBe(404);
        expect(res.headers.get("etag")).toBeNull();
      }
      // A gets the 304 for the same tag: the header works, it just reveals nothing to B.
      expect((await app.request("/api/posts/1", as(A, "GET", undefined, { "if-none-match": '"1"' }))).status).toBe(304);
    });

    it("count and totalCount count only B's rows, whatever the filter", async () => {
      expect((await json("/api/posts/count")).body).toEqual({ count: 1 });
      expect((await json(`/api/posts/count?filter=${q("id==1")}`)).body).toEqual({ count: 0 });
      const page = await json(`/api/posts?totalCount=true&filter=${q("id=in=(1,2,3)")}`);
      expect(page.body.totalCount).toBe(1);
    });

    it("aggregate and having see only B's rows", async () => {
      const sums = await json("/api/posts/aggregate?groupBy=authorId&count=true&sum=views");
      expect(sums.body.groups).toEqual([{ key: { authorId: 2 }, count: 1, sum: { views: 1 } }]);
      // A having that only A's group could satisfy (A's views sum to 12) finds nothing.
      const probe = await json(`/api/posts/aggregate?groupBy=status&sum=views&having=${q("sum_views>10")}`);
      expect(probe.body.groups).toEqual([]);
      const byId = await json(`/api/posts/aggregate?count=true&filter=${q("id==1")}`);
      expect(byId.body.groups).toEqual([{ key: null, count: 0 }]);
    });

    it("a hidden (non-readable) column cannot be selected, filtered, sorted or aggregated", async () => {
      for (const path of [
        "/api/posts?select=title,amount",
        "/api/posts/3?select=amount",
        `/api/posts?filter=${q("amount=gt=6")}`,
        `/api/posts/count?filter=${q("amount==10")}`,
        "/api/posts?orderBy=amount",
        "/api/posts?orderBy=-amount",
        "/api/posts/aggregate?sum=amount",
        "/api/posts/aggregate?groupBy=amount",
      ]) {
        const res = await json(path);
        expect(res.status, path).toBe(400);
        expect(res.headers.get("content-type"), path).toContain("application/problem+json");
        expect(["VALIDATION_ERROR", "FILTER_PARSE_ERROR"], path).toContain(res.body.code);
      }
      const own = await json("/api/posts/3");
      expect(own.body).not.toHaveProperty("amount");
    });

    it("a cursor from A's listing, replayed by B, pages through B's rows only", async () => {
      const first = await json("/api/posts?limit=1", A);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const replay = await json(`/api/posts?limit=10&cursor=${q(first.body.nextCursor)}`);
      expect(replay.status).toBe(200);
      expect(ids(replay.body)).toEqual([3]);
    });

    it("a forged cursor cannot widen B's view; with a signing secret it is refused as tampered", async () => {
      const forged = btoa(JSON.stringify({ v: 0, id: "0", _ver: 1, _orderByHash: "default", _ts: Date.now() })).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
      expect(ids((await json(`/api/posts?cursor=${q(forged)}`)).body)).toEqual([3]);
      app = blogApp(h, { posts: { cursorSigningSecret: "s3cret" } });
      const signed = await json(`/api/posts?cursor=${q(forged)}`);
      expect(signed.status).toBe(400);
      expect(signed.body).toMatchObject({ code: "CURSOR_INVALID", reason: "tampered" });
    });

    it("includes never carry A's comments through B's post, nor A's post through B's comment", async () => {
      const own = await json("/api/posts/3?include=comments");
      expect(own.body.comments.map((c: any) => c.body)).toEqual(["B on B1"]);
      const list = await json("/api/comments?include=post");
      expect(list.body.items.map((c: any) => [c.body, c.post?.id ?? null])).toEqual([["B on A1", null], ["B on B1", 3]]);
      // The other way round: A sees only A's comments on B's post… which A cannot read at all.
      const fromA = await json("/api/comments?include=post", A);
      expect(fromA.body.items.map((c: any) => [c.body, c.post?.id ?? null])).toEqual([["A on A1", 1], ["A on B1", null]]);
    });

    it("included rows are masked with the target resource's readable fields", async () => {
      const res = await json("/api/posts/3?include=author");
      expect(res.body.author).toEqual({ id: 2, name: "Bob", orgId: "o2" });
    });

    it("withDeleted=true reveals B's own deleted rows at most, never A's", async () => {
      expect(ids((await json("/api/posts?withDeleted=true")).body)).toEqual([3]);
      expect((await json("/api/posts/4?withDeleted=true")).status).toBe(404);
      expect((await json("/api/posts/count?withDeleted=true")).body).toEqual({ count: 1 });
      expect(ids((await json("/api/posts?withDeleted=true", A)).body)).toEqual([1, 2, 4]);
    });

    it("relation-path scopes are enforced in SQL and refused in a client filter", async () => {
      app = blogApp(h, { posts: { auth: { read: (user) => rsql`author.orgId==${String(user.org)}` } } });
      // C (org o1) reads A's posts through A's org; B (org o2) only its own.
      expect(ids((await json("/api/posts", C)).body)).toEqual([1, 2]);
      expect(ids((await json("/api/posts")).body)).toEqual([3]);
      expect((await json("/api/posts/1")).status).toBe(404);
      const viaFilter = await json(`/api/posts?filter=${q('author.orgId=="o1"')}`);
      expect(viaFilter.status).toBe(400);
      expect(viaFilter.body).toMatchObject({ code: "FILTER_PARSE_ERROR", detail: expect.stringContaining("Relation paths are not allowed in filter queries") });
    });

    it("an empty read scope shows nothing, even for a known id", async () => {
      app = blogApp(h, { posts: { auth: { read: () => emptyScope() } } });
      expect(ids((await json(`/api/posts?filter=${q("id==3")}`)).body)).toEqual([]);
      expect((await json(`/api/posts/count?filter=${q("id==3")}`)).body).toEqual({ count: 0 });
      expect((await json(`/api/posts/aggregate?count=true&filter=${q("id==3")}`)).body.groups).toEqual([{ key: null, count: 0 }]);
      expect((await json("/api/posts/3")).status).toBe(404);
    });

    it("and(empty, x) denies and or(empty, x) equals x, as scopes", async () => {
      expect(andScope(emptyScope(), rsql`authorId==2`).isEmpty()).toBe(true);
      expect(orScope(emptyScope(), rsql`authorId==2`).toString()).toBe("authorId==2");
      app = blogApp(h, { posts: { auth: { read: (user) => andScope(emptyScope(), ownPosts(user)) } } });
      expect(ids((await json("/api/posts")).body)).toEqual([]);
      app = blogApp(h, { posts: { auth: { read: (user) => orScope(emptyScope(), ownPosts(user)) } } });
      expect(ids((await json("/api/posts")).body)).toEqual([3]);
    });

    it("a scope that throws or returns null, undefined or a non-scope denies instead of failing", async () => {
      for (const read of [() => { throw new Error("lookup failed"); }, () => null, () => undefined, () => 42, () => ({ authorId: 2 })]) {
        app = blogApp(h, { posts: { auth: { read: read as never } } });
        const res = await json("/api/posts");
        expect(res.status).toBe(200);
        expect(res.body.items).toEqual([]);
        expect((await json("/api/posts/3")).status).toBe(404);
      }
    });

    it("anonymous callers get 401 on every non-public read; public read opens reads only", async () => {
      for (const path of ["/api/posts", "/api/posts/3", "/api/posts/count", "/api/posts/aggregate?count=true", "/api/comments"]) {
        const res = await json(path, null);
        expect(res.status, path).toBe(401);
        expect(res.body, path).toMatchObject({ code: "UNAUTHORIZED", type: "/__covara/problems/unauthorized" });
      }
      app = blogApp(h, { posts: { auth: { public: true, scope: ownPosts } } });
      expect(ids((await json("/api/posts", null)).body)).toEqual([1, 2, 3]);
    });

    it("an operation without a scope function serves every row to any signed-in user", async () => {
      app = blogApp(h, { posts: { auth: { update: ownPosts } } });
      expect(ids((await json("/api/posts")).body)).toEqual([1, 2, 3]);
      expect((await json("/api/posts", null)).status).toBe(401);
    });

    it("RPC procedures are not scope-enforced: anonymous callers reach the handler with ctx.user null", async () => {
      const anon = await json("/api/posts/rpc/whoami", null, as(null, "POST", {}));
      expect(anon).toMatchObject({ status: 200, body: { data: { user: null, posts: 4 } } });
      const asB = await json("/api/posts/rpc/whoami", B, as(B, "POST", {}));
      expect(asB.body).toEqual({ data: { user: 2, posts: 4 } });
    });

    it("without an auth adapter, resources without auth are open and the app says so once", async () => {
      const records: LogRecord[] = [];
      const logger = createLogger({ level: "debug", sink: (r) => records.push(r) });
      const b = h.blog as any;
      const open = createCovara({ observability: { logger } })
        .resource(b.authors, { id: b.authors.id, db: h.db })
        .resource(b.posts, { id: b.posts.id, db: h.db, auth: { scope: ownPosts } });
      expect((await open.request("/api/authors")).status).toBe(200);
      expect((await open.request("/api/posts")).status).toBe(401);
      const warnings = records.filter((r) => r.msg.includes("open to anyone"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ level: "warn", openResources: ["/api/authors"] });
      // With an auth adapter there is nothing to announce, and the same resource needs a user.
      records.length = 0;
      const guarded = createCovara({ observability: { logger }, auth: { middleware: signIn } }).resource(b.authors, { id: b.authors.id, db: h.db });
      expect((await guarded.request("/api/authors")).status).toBe(401);
      expect(records.filter((r) => r.msg.includes("open to anyone"))).toEqual([]);
    });
  });
}
