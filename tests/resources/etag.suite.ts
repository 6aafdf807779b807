/** Optimistic locking (spec 10 §11): ETags, If-Match with compare-and-set, If-None-Match, version bumps. */
import { describe, it, expect, beforeEach } from "vitest";
import { eq } from "drizzle-orm";
import { createCovara, type ResourceConfig } from "../../src/index.js";
import type { DbHarness } from "./harness.js";

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  body: typeof body === "string" ? body : JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});

export function etagSuite(getHarness: () => DbHarness) {
  describe("optimistic locking (ETags)", () => {
    let h: DbHarness;
    const build = (config: Partial<ResourceConfig> = {}) => createCovara().resource("/posts", h.blog.posts, { id: h.blog.posts.id, db: h.db, ...config });
    const versioned = () => build({ etag: { versionField: h.blog.posts.version } });
    const stored = async (id: number) => {
      const [row] = await h.db.select().from(h.blog.posts).where(eq(h.blog.posts.id, id));
      return row as Record<string, any> | undefined;
    };
    const create = async (app: ReturnType<typeof build>, body: Record<string, unknown>) => {
      const res = await app.request("/api/posts", { method: "POST", ...json(body) });
      expect(res.status).toBe(201);
      return { row: (await res.json()) as Record<string, any>, etag: res.headers.get("etag") };
    };
    const patch = (app: ReturnType<typeof build>, id: number, body: unknown, headers: Record<string, string> = {}) =>
      app.request(`/api/posts/${id}`, { method: "PATCH", ...json(body, headers) });

    beforeEach(async () => {
      h = getHarness();
      await h.reset();
    });

    it("emits the version as a strong ETag on POST, GET, PATCH and PUT, never on lists or DELETE", async () => {
      const app = versioned();
      const { row, etag } = await create(app, { title: "a" });
      expect(etag).toBe('"1"');
      expect((await app.request(`/api/posts/${row.id}`)).headers.get("etag")).toBe('"1"');
      const patched = await patch(app, row.id, { title: "b" });
      expect(patched.headers.get("etag")).toBe('"2"');
      expect((await patched.json()).version).toBe(2);
      const put = await app.request(`/api/posts/${row.id}`, { method: "PUT", ...json({ title: "c" }) });
      expect(put.headers.get("etag")).toBe('"3"');
      expect((await app.request("/api/posts")).headers.has("etag")).toBe(false);
      const removed = await app.request(`/api/posts/${row.id}`, { method: "DELETE" });
      expect(removed.status).toBe(204);
      expect(removed.headers.has("etag")).toBe(false);
    });

    it("without an etag option sends no ETag and ignores conditional headers", async () => {
      const app = build();
      const { row, etag } = await create(app, { title: "a" });
      expect(etag).toBeNull();
      const got = await app.request(`/api/posts/${row.id}`, { headers: { "if-none-match": '"1"' } });
      expect(got.status).toBe(200);
      expect(got.headers.has("etag")).toBe(false);
      expect((await patch(app, row.id, { title: "b" }, { "if-match": '"nope"' })).status).toBe(200);
      // Without the option the version column is an ordinary column: no bump.
      expect((await stored(row.id))!.version).toBe(1);
      expect((await app.request(`/api/posts/${row.id}`, { method: "DELETE", headers: { "if-match": '"nope"' } })).status).toBe(204);
    });

    it("answers 412 with the exact problem body on a stale If-Match, before parsing the body, and writes nothing", async () => {
      const app = versioned();
      const { row } = await create(app, { title: "a" });
      await patch(app, row.id, { title: "b" });
      // Invalid JSON would be a 400; the precondition is checked first.
      const res = await patch(app, row.id, "{not json", { "if-match": '"1"' });
      expect(res.status).toBe(412);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const problem = await res.json();
      expect(problem).toMatchObject({
        type: "/__covara/problems/precondition-failed",
        title: "Precondition failed",
        status: 412,
        detail: "Resource was modified",
        code: "PRECONDITION_FAILED",
        currentETag: '"2"',
      });
      expect(typeof problem.suggestion).toBe("string");
      expect(problem).not.toHaveProperty("details");
      expect((await stored(row.id))!).toMatchObject({ title: "b", version: 2 });
    });

    it("matches If-Match strongly: *, any listed tag; weak and malformed tags never match", async () => {
      const app = versioned();
      const { row } = await create(app, { title: "a" });
      for (const header of ['W/"1"', "1", '"1', 'x"1"', '"2", W/"1"', ""]) {
        expect((await patch(app, row.id, { title: "no" }, { "if-match": header })).status, header).toBe(412);
      }
      expect((await stored(row.id))!).toMatchObject({ title: "a", version: 1 });
      expect((await patch(app, row.id, { title: "b" }, { "if-match": '"7", "1"' })).status).toBe(200);
      expect((await patch(app, row.id, { title: "c" }, { "if-match": "*" })).status).toBe(200);
      expect((await patch(app, row.id, { title: "d" }, { "if-match": ' "3" ' })).status).toBe(200);
      expect((await stored(row.id))!).toMatchObject({ title: "d", version: 4 });
    });

    it("never answers 428: a write without If-Match goes through", async () => {
      const app = versioned();
      const { row } = await create(app, { title: "a" });
      expect((await patch(app, row.id, { title: "b" })).status).toBe(200);
      expect((await app.request(`/api/posts/${row.id}`, { method: "DELETE" })).status).toBe(204);
    });

    it("checks If-Match on PUT and DELETE; a stale DELETE removes nothing", async () => {
      const app = versioned();
      const { row } = await create(app, { title: "a" });
      const put = await app.request(`/api/posts/${row.id}`, { method: "PUT", ...json({ title: "p" }, { "if-match": '"9"' }) });
      expect(put.status).toBe(412);
      const stale = await app.request(`/api/posts/${row.id}`, { method: "DELETE", headers: { "if-match": '"9"' } });
      expect(stale.status).toBe(412);
      expect((await stale.json()).currentETag).toBe('"1"');
      expect((await stored(row.id))!.title).toBe("a");
      expect((await app.request(`/api/posts/${row.id}`, { method: "DELETE", headers: { "if-match": '"1"' } })).status).toBe(204);
      expect(await stored(row.id)).toBeUndefined();
    });

    it("answers If-None-Match with 304, an empty body and the current ETag (weak comparison, one tag)", async () => {
      const app = versioned();
      const { row } = await create(app, { title: "a" });
      for (const header of ['"1"', 'W/"1"']) {
        const res = await app.request(`/api/posts/${row.id}`, { headers: { "if-none-match": header } });
        expect(res.status).toBe(304);
        expect(res.headers.get("etag")).toBe('"1"');
        expect(await res.text()).toBe("");
      }
      for (const header of ['"2"', "*", '"2", "1"']) {
        const res = await app.request(`/api/posts/${row.id}`, { headers: { "if-none-match": header } });
        expect(res.status, header).toBe(200);
        expect((await res.json()).title).toBe("a");
      }
      // Out-of-scope and missing rows stay 404 whatever the header says.
      expect((await app.request("/api/posts/999", { headers: { "if-none-match": '"1"' } })).status).toBe(404);
    });

    it("weak ETags: W/\"v\" is emitted, satisfies If-None-Match, and fails every If-Match but *", async () => {
      const app = build({ etag: { versionField: "version", algorithm: "weak" } });
      const { row, etag } = await create(app, { title: "a" });
      expect(etag).toBe('W/"1"');
      expect((await app.request(`/api/posts/${row.id}`, { headers: { "if-none-match": 'W/"1"' } })).status).toBe(304);
      expect((await patch(app, row.id, { title: "b" }, { "if-match": 'W/"1"' })).status).toBe(412);
      expect((await patch(app, row.id, { title: "b" }, { "if-match": '"1"' })).status).toBe(412);
      expect((await patch(app, row.id, { title: "b" }, { "if-match": "*" })).status).toBe(200);
    });

    it("bumps the version on PATCH and PUT unless the body sets it", async () => {
      const app = versioned();
      const { row } = await create(app, { title: "a" });
      expect((await (await patch(app, row.id, { version: 10 })).json()).version).toBe(10);
      expect((await (await patch(app, row.id, {})).json()).version).toBe(11);
      expect((await stored(row.id))!.version).toBe(11);
    });

    it("lets exactly one of 50 concurrent PATCHes with the same If-Match win", async () => {
      const app = versioned();
      const { row, etag } = await create(app, { title: "start" });
      const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => patch(app, row.id, { title: `writer ${i}` }, { "if-match": etag! })));
      const statuses = responses.map((res) => res.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 412)).toHaveLength(49);
      const winner = await responses[statuses.indexOf(200)]!.json();
      const after = (await stored(row.id))!;
      expect(after.version).toBe(2);
      expect(after.title).toBe(winner.title);
      const losers = await Promise.all(responses.filter((res) => res.status === 412).map((res) => res.json()));
      expect(new Set(losers.map((p) => p.currentETag))).toEqual(new Set(['"2"']));
    });

    it("uses <epoch ms>-<id> from updatedAt when there is no version, with compare-and-set on it", async () => {
      const app = build({ etag: {} });
      const at = new Date("2024-03-01T12:00:00.000Z");
      const { row, etag } = await create(app, { title: "a", updatedAt: at.toISOString() });
      expect(etag).toBe(`"${at.getTime()}-${row.id}"`);
      // Nothing bumps updatedAt here, so the tag survives a write that does not set it.
      expect((await patch(app, row.id, { title: "b" }, { "if-match": etag! })).headers.get("etag")).toBe(etag);
      const later = new Date("2024-03-02T12:00:00.000Z");
      const moved = await patch(app, row.id, { title: "c", updatedAt: later.toISOString() }, { "if-match": etag! });
      expect(moved.headers.get("etag")).toBe(`"${later.getTime()}-${row.id}"`);
      expect((await patch(app, row.id, { title: "d" }, { "if-match": etag! })).status).toBe(412);
      expect((await stored(row.id))!.title).toBe("c");
    });

    it("falls back to a 16-hex content hash that changes with the row and is checked on If-Match", async () => {
      const app = build({ etag: {} });
      const { row, etag } = await create(app, { title: "a" });
      expect(etag).toMatch(/^"[0-9a-f]{16}"$/);
      expect((await app.request(`/api/posts/${row.id}`)).headers.get("etag")).toBe(etag);
      const patched = await patch(app, row.id, { title: "b" }, { "if-match": etag! });
      expect(patched.status).toBe(200);
      const next = patched.headers.get("etag");
      expect(next).toMatch(/^"[0-9a-f]{16}"$/);
      expect(next).not.toBe(etag);
      expect((await patch(app, row.id, { title: "c" }, { "if-match": etag! })).status).toBe(412);
      expect((await stored(row.id))!.title).toBe("b");
    });

    it("computes the ETag from the unmasked row", async () => {
      const app = build({ etag: { versionField: h.blog.posts.version }, fields: { readable: [h.blog.posts.id, h.blog.posts.title] } });
      const { row, etag } = await create(app, { title: "a" });
      expect(Object.keys(row).sort()).toEqual(["id", "title"]);
      expect(etag).toBe('"1"');
    });
  });
}
