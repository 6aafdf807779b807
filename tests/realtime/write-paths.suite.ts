/**
 * Every generated multi-row write path publishes (spec 20 §1, §6.2, §16.1–4; spec 10 §8): batch
 * create, update, delete and upsert, soft deletes, and nested writes reach subscribers as one
 * event per row, and the changelog holds exactly one entry per committed row change with the
 * right images. A write that fails as a whole appends nothing and the subscriber hears nothing.
 */
import { asc } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { createCovara, type ResourceConfig } from "../../src/index.js";
import { createMemoryHub } from "../../src/realtime/memory-hub.js";
import type { ChangeEntry, HubBackend } from "../../src/realtime/types.js";
import type { DbHarness } from "../resources/harness.js";
import { headerAuth } from "../resources/test-auth.js";
import { readSse, type SseReader } from "./sse-reader.js";

const send = (method: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method,
  body: JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});

type App = ReturnType<typeof createCovara>;

export function writePathsSuite(getHarness: () => DbHarness) {
  describe("write paths publish (batch, upsert, nested)", () => {
    let h: DbHarness;
    let hub: HubBackend;
    let open: SseReader[];

    const people = (config: Partial<ResourceConfig> = {}) =>
      createCovara({ realtime: { hub }, middleware: [headerAuth()] }).resource("/people", h.table, { id: h.table.id, db: h.db, ...config });
    /** posts (nested author and comments), comments and authors on one hub; profiles stays unregistered. */
    const blog = (posts: Partial<ResourceConfig> = {}) => {
      const { posts: postsTable, comments, authors, profiles } = h.blog;
      return createCovara({ realtime: { hub } })
        .resource("/posts", postsTable, {
          id: postsTable.id,
          db: h.db,
          nestedWrites: true,
          relations: {
            author: { resource: "authors", schema: authors, type: "belongsTo", foreignKey: postsTable.authorId, references: authors.id },
            comments: { resource: "comments", schema: comments, type: "hasMany", foreignKey: comments.postId, references: postsTable.id },
          },
          ...posts,
        })
        .resource("/comments", comments, { id: comments.id, db: h.db })
        .resource("/authors", authors, {
          id: authors.id,
          db: h.db,
          nestedWrites: true,
          relations: { profile: { resource: "profiles", schema: profiles, type: "hasOne", foreignKey: profiles.authorId, references: authors.id } },
        });
    };
    const subscribe = async (app: App, path: string, query = "") => {
      const res = await app.request(`/api${path}/subscribe${query}`);
      expect(res.status).toBe(200);
      const reader = readSse(res);
      open.push(reader);
      await reader.synced();
      return reader;
    };
    const head = async (resource: string) => (await hub.window(resource)).head;
    const since = (resource: string, after: number): Promise<ChangeEntry[]> => hub.since(resource, after, 1000);
    const seed = async (app: App, items: Record<string, unknown>[]) => {
      const res = await app.request("/api/people/batch", send("POST", { items }));
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: Record<string, any>[] }).items;
    };
    /** Live events (the snapshot's `existing` rows left out). */
    const live = (reader: SseReader) => reader.events().filter((e) => e.type !== "existing");
    /** What the subscriber received live after `from` events, as [type, id or name]. */
    const seen = (reader: SseReader, from = 0) => live(reader).slice(from).map((e) => [e.type, e.object?.name ?? e.object?.title ?? e.object?.body ?? e.objectId]);

    beforeEach(async () => {
      h = getHarness();
      await h.reset();
      hub = createMemoryHub();
      open = [];
      return async () => {
        for (const reader of open) await reader.close();
      };
    });

    it("POST /batch: one `added` per item in item order; one `create` entry each with the after-image and the user", async () => {
      const app = people();
      const reader = await subscribe(app, "/people");
      const start = await head("people");
      const res = await app.request("/api/people/batch", send("POST", { items: ["a", "b", "c"].map((name) => ({ name, email: `${name}@x` })) }, { "x-user": "7" }));
      expect(res.status).toBe(200);
      const { items } = (await res.json()) as { items: Record<string, any>[] };
      await reader.until(() => live(reader).length === 3);
      expect(seen(reader)).toEqual([["added", "a"], ["added", "b"], ["added", "c"]]);
      const entries = await since("people", start);
      expect(entries.map((e) => [e.seq, e.type, e.objectId, e.userId])).toEqual(items.map((row, i) => [start + 1 + i, "create", String(row.id), "7"]));
      expect(entries.map((e) => e.object)).toEqual(items.map((row) => expect.objectContaining({ id: row.id, name: row.name, email: row.email, role: "user" })));
      expect(entries.every((e) => e.previousObject === undefined)).toBe(true);
    });

    it("PATCH /batch: one entry per matched row with before and after images; `changed` inside, `removed` for rows leaving a filter", async () => {
      const app = people();
      const rows = await seed(app, [
        { name: "a", email: "a@x", age: 30 },
        { name: "b", email: "b@x", age: 10 },
        { name: "c", email: "c@x", age: 40 },
      ]);
      const all = await subscribe(app, "/people");
      const users = await subscribe(app, "/people", `?filter=${encodeURIComponent('role=="user"')}`);
      const start = await head("people");
      const res = await app.request("/api/people/batch?filter=age=gt=20", send("PATCH", { role: "admin" }));
      expect(await res.json()).toEqual({ count: 2 });
      await all.until(() => live(all).length === 2);
      await users.until(() => live(users).length === 2);
      expect(seen(all)).toEqual([["changed", "a"], ["changed", "c"]]);
      expect(seen(users)).toEqual([["removed", String(rows[0]!.id)], ["removed", String(rows[2]!.id)]]);
      const entries = await since("people", start);
      expect(entries.map((e) => [e.type, e.objectId, e.previousObject?.role, e.object?.role])).toEqual([
        ["update", String(rows[0]!.id), "user", "admin"],
        ["update", String(rows[2]!.id), "user", "admin"],
      ]);
    });

    it("PATCH /batch that sets nothing, or matches nothing, appends nothing", async () => {
      const app = people();
      await seed(app, [{ name: "a", email: "a@x", age: 30 }]);
      const start = await head("people");
      expect(await (await app.request("/api/people/batch?filter=age=gt=100", send("PATCH", { role: "admin" }))).json()).toEqual({ count: 0 });
      expect(await (await app.request("/api/people/batch", send("PATCH", {}))).json()).toEqual({ count: 1 });
      expect(await head("people")).toBe(start);
    });

    it("DELETE /batch: one `removed` per row; one `delete` entry each with the before-image only", async () => {
      const app = people();
      const rows = await seed(app, [
        { name: "a", email: "a@x", age: 30 },
        { name: "b", email: "b@x", age: 10 },
        { name: "c", email: "c@x", age: 40 },
      ]);
      const reader = await subscribe(app, "/people");
      const start = await head("people");
      const res = await app.request("/api/people/batch?filter=age=gt=20", { method: "DELETE" });
      expect(await res.json()).toEqual({ count: 2 });
      await reader.until(() => live(reader).length === 2);
      expect(seen(reader)).toEqual([["removed", String(rows[0]!.id)], ["removed", String(rows[2]!.id)]]);
      const entries = await since("people", start);
      expect(entries.map((e) => [e.type, e.objectId, e.previousObject?.name, e.object])).toEqual([
        ["delete", String(rows[0]!.id), "a", undefined],
        ["delete", String(rows[2]!.id), "c", undefined],
      ]);
    });

    it("DELETE /batch on a soft-delete resource publishes `delete` per marked row, like DELETE /:id", async () => {
      const app = blog({ softDelete: { field: h.blog.posts.deletedAt } });
      const made = await app.request("/api/posts/batch", send("POST", { items: [{ title: "keep" }, { title: "drop1" }, { title: "drop2" }] }));
      const posts = ((await made.json()) as { items: Record<string, any>[] }).items;
      const reader = await subscribe(app, "/posts");
      const start = await head("posts");
      expect(await (await app.request(`/api/posts/batch?filter=${encodeURIComponent('title=startswith="drop"')}`, { method: "DELETE" })).json()).toEqual({ count: 2 });
      await reader.until(() => live(reader).length === 2);
      expect(seen(reader)).toEqual([["removed", String(posts[1]!.id)], ["removed", String(posts[2]!.id)]]);
      const entries = await since("posts", start);
      expect(entries.map((e) => [e.type, e.objectId, e.previousObject?.title, e.previousObject?.deletedAt])).toEqual([
        ["delete", String(posts[1]!.id), "drop1", null],
        ["delete", String(posts[2]!.id), "drop2", null],
      ]);
      // Already deleted: a second batch matches nothing and appends nothing.
      expect(await (await app.request(`/api/posts/batch?filter=${encodeURIComponent('title=startswith="drop"')}`, { method: "DELETE" })).json()).toEqual({ count: 0 });
      expect(await head("posts")).toBe(start + 2);
    });

    it("POST /batch/upsert: `changed` + `update` (with before-image) for existing ids, `added` + `create` for new rows, in item order", async () => {
      const app = people();
      const [a, b] = await seed(app, [
        { name: "a", email: "a@x", age: 30 },
        { name: "b", email: "b@x", age: 10 },
      ]);
      const reader = await subscribe(app, "/people");
      const start = await head("people");
      const items = [
        { id: b!.id, name: "B", email: "b2@x" },
        { name: "new", email: "n@x" },
        { id: 500, name: "named", email: "z@x" },
        { id: a!.id, name: "A", email: "a2@x" },
      ];
      const res = await app.request("/api/people/batch/upsert", send("POST", { items }, { "x-user": "3" }));
      expect(res.status).toBe(200);
      const out = ((await res.json()) as { items: Record<string, any>[] }).items;
      await reader.until(() => live(reader).length === 4);
      expect(seen(reader)).toEqual([["changed", "B"], ["added", "new"], ["added", "named"], ["changed", "A"]]);
      const entries = await since("people", start);
      expect(entries.map((e) => [e.type, e.objectId, e.previousObject?.name, e.object?.name, e.userId])).toEqual([
        ["update", String(b!.id), "b", "B", "3"],
        ["create", String(out[1]!.id), undefined, "new", "3"],
        ["create", "500", undefined, "named", "3"],
        ["update", String(a!.id), "a", "A", "3"],
      ]);
      expect(entries[0]!.object).toMatchObject({ age: 10, email: "b2@x" });
    });

    it("nested create: each row is an `added` on its own resource and one `create` entry there; unregistered tables keep their entries too", async () => {
      const app = blog();
      const posts = await subscribe(app, "/posts");
      const comments = await subscribe(app, "/comments");
      const authors = await subscribe(app, "/authors");
      const starts = { posts: await head("posts"), comments: await head("comments"), authors: await head("authors"), profiles: await head("profiles") };
      const res = await app.request(
        "/api/posts",
        send("POST", { title: "Hello", author: { name: "Ada" }, comments: [{ body: "first" }, { body: "second" }] }, { "x-covara-optimistic-id": "opt-1" }),
      );
      expect(res.status).toBe(201);
      const post = (await res.json()) as Record<string, any>;
      await comments.until(() => live(comments).length === 2);
      await posts.until(() => live(posts).length === 1);
      await authors.until(() => live(authors).length === 1);
      expect(seen(posts)).toEqual([["added", "Hello"]]);
      expect(live(posts)[0].meta).toEqual({ optimisticId: "opt-1" });
      expect(seen(comments)).toEqual([["added", "first"], ["added", "second"]]);
      expect(seen(authors)).toEqual([["added", "Ada"]]);

      const [author] = await since("authors", starts.authors);
      const [postEntry, ...extra] = await since("posts", starts.posts);
      const commentEntries = await since("comments", starts.comments);
      expect(extra).toEqual([]);
      expect(author).toMatchObject({ type: "create", objectId: String(post.authorId), object: { name: "Ada" } });
      expect(postEntry).toMatchObject({ type: "create", objectId: String(post.id), object: { title: "Hello", authorId: post.authorId }, optimisticId: "opt-1" });
      expect(commentEntries.map((e) => [e.type, e.object?.postId, e.object?.body])).toEqual([
        ["create", post.id, "first"],
        ["create", post.id, "second"],
      ]);

      // profiles has no resource here: its row still gets its entry under the table name.
      const made = await app.request("/api/authors", send("POST", { name: "Grace", profile: { bio: "admiral" } }));
      expect(made.status).toBe(201);
      const grace = (await made.json()) as Record<string, any>;
      const profileEntries = await since("profiles", starts.profiles);
      expect(profileEntries.map((e) => [e.type, e.object?.authorId, e.object?.bio])).toEqual([["create", grace.id, "admiral"]]);
      expect(await head("authors")).toBe(starts.authors + 2);
    });

    describe("a write that fails as a whole publishes nothing", () => {
      /** The subscriber's next event is the marker row, so nothing arrived for the failed write. */
      const expectSilence = async (reader: SseReader, before: number, marker: () => Promise<void>, name: string) => {
        await marker();
        await reader.until(() => live(reader).length === before + 1);
        expect(seen(reader, before)).toEqual([["added", name]]);
      };

      it("POST /batch with a key collision on the 3rd row", async () => {
        const app = people();
        const [taken] = await seed(app, [{ name: "taken", email: "t@x" }]);
        const reader = await subscribe(app, "/people");
        const start = await head("people");
        const items = [{ name: "a", email: "a@x" }, { name: "b", email: "b@x" }, { id: taken!.id, name: "c", email: "c@x" }];
        expect((await app.request("/api/people/batch", send("POST", { items }))).status).toBe(409);
        expect(await head("people")).toBe(start);
        expect(await h.db.select().from(h.table)).toHaveLength(1);
        await expectSilence(reader, 0, () => seed(app, [{ name: "marker", email: "m@x" }]).then(() => undefined), "marker");
      });

      it("PATCH /batch and POST /batch/upsert with a unique violation after earlier rows were written", async () => {
        const { tags } = h.blog;
        const app = createCovara({ realtime: { hub } }).resource("/tags", tags, { id: tags.id, db: h.db });
        const made = await app.request("/api/tags/batch", send("POST", { items: [{ name: "x" }, { name: "y" }, { name: "taken" }] }));
        const [x, y] = ((await made.json()) as { items: Record<string, any>[] }).items;
        const reader = await subscribe(app, "/tags");
        const start = await head("tags");
        // The same name for two rows: the second row's update breaks the unique index.
        expect((await app.request(`/api/tags/batch?filter=${encodeURIComponent('name=in=("x","y")')}`, send("PATCH", { name: "same" }))).status).toBe(409);
        // The two renames run first (one statement), the new "taken" row then collides.
        const items = [{ id: x!.id, name: "x2" }, { id: y!.id, name: "y2" }, { name: "taken" }];
        expect((await app.request("/api/tags/batch/upsert", send("POST", { items }))).status).toBe(409);
        expect(await head("tags")).toBe(start);
        const names = (await h.db.select().from(tags).orderBy(asc(tags.id))).map((t: Record<string, unknown>) => t.name);
        expect(names).toEqual(["x", "y", "taken"]);
        await expectSilence(reader, 0, async () => void (await app.request("/api/tags", send("POST", { name: "marker" }))), "marker");
      });

      it("nested create with a key collision on a later child: no entry on any of the three resources", async () => {
        const app = blog();
        const comments = await subscribe(app, "/comments");
        const posts = await subscribe(app, "/posts");
        const starts = [await head("posts"), await head("comments"), await head("authors")];
        const body = { title: "T", author: { name: "Ada" }, comments: [{ body: "a" }, { id: 77, body: "b" }, { id: 77, body: "c" }] };
        expect((await app.request("/api/posts", send("POST", body))).status).toBe(409);
        expect([await head("posts"), await head("comments"), await head("authors")]).toEqual(starts);
        expect(await h.db.select().from(h.blog.posts)).toEqual([]);
        expect(await h.db.select().from(h.blog.authors)).toEqual([]);
        await expectSilence(posts, 0, async () => void (await app.request("/api/posts", send("POST", { title: "marker" }))), "marker");
        expect(live(comments)).toEqual([]);
      });

      it("a throwing after-hook: entries match exactly the rows that stayed (none where the hook shares the transaction)", async () => {
        const app = people({ hooks: { onAfterCreate: () => Promise.reject(new Error("after-hook failed")) } });
        const start = await head("people");
        const res = await app.request("/api/people/batch", send("POST", { items: [{ name: "a", email: "a@x" }, { name: "b", email: "b@x" }] }));
        expect(res.status).toBe(500);
        const stored = (await h.db.select().from(h.table).orderBy(asc(h.table.id))) as Record<string, any>[];
        const entries = await since("people", start);
        expect(entries.map((e) => [e.type, e.objectId])).toEqual(stored.map((row) => ["create", String(row.id)]));
      });
    });
  });
}
