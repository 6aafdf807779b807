/**
 * Scopes that change over time (spec 20 §6.2, §7; invariants 15–17): relation-path subscribe
 * scopes are decided by the database, never guessed from row images; a periodic recheck
 * reconciles out-of-band scope changes; an expired session ends the stream with an invalidate.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { MiddlewareHandler } from "hono";
import { createCovara, rsql } from "../../src/index.js";
import { createMemoryHub } from "../../src/realtime/memory-hub.js";
import type { HubBackend } from "../../src/realtime/types.js";
import type { DbHarness } from "../resources/harness.js";
import { headerAuth } from "../resources/test-auth.js";
import { readSse, type SseReader } from "./sse-reader.js";
import { useAuth } from "../../src/auth/index.js";
import { createMemoryKV } from "../../node-shim/memory/kv-store.js";
import { client as authClient, directory, TRANSPORTS } from "../auth/use-auth-fixtures.js";

const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body), headers: { "content-type": "application/json" } });

export function scopeRecheckSuite(getHarness: () => DbHarness) {
  describe("subscriptions: scopes over time", () => {
    let h: DbHarness;
    let hub: HubBackend;
    let readers: SseReader[];
    const open = async (app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> }, path: string, headers: Record<string, string>) => {
      const res = await app.request(path, { headers });
      expect(res.status).toBe(200);
      const reader = readSse(res);
      readers.push(reader);
      await reader.synced();
      return reader;
    };

    beforeEach(async () => {
      h = getHarness();
      await h.reset();
      hub = createMemoryHub();
      readers = [];
      return async () => {
        for (const reader of readers) await reader.close();
      };
    });

    /** posts scoped by their author's org (a relation path), plus an open writer app. */
    const blog = (recheckMs: number) => {
      const b = h.blog as any;
      const relations = { author: { resource: "authors", schema: b.authors, type: "belongsTo", foreignKey: b.posts.authorId, references: b.authors.id } } as any;
      const scoped = createCovara({ realtime: { hub, sse: { scopeRecheckMs: recheckMs } }, auth: { middleware: headerAuth("org") } })
        .resource(b.authors, { id: b.authors.id, db: h.db })
        .resource(b.posts, { id: b.posts.id, db: h.db, relations, auth: { scope: (user) => rsql`author.orgId==${String(user.org)}` } });
      const writer = createCovara({ realtime: { hub } }).resource(b.authors, { id: b.authors.id, db: h.db }).resource(b.posts, { id: b.posts.id, db: h.db });
      return { scoped, writer };
    };

    it("refuses a relation-path subscribe scope without a recheck interval, before the stream", async () => {
      const { scoped } = blog(0);
      const res = await scoped.request("/api/posts/subscribe", { headers: { "x-user": "1:o1" } });
      expect(res.status).toBe(400);
      expect((await res.json()).detail).toBe("Relation-path subscribe scopes require sse.scopeRecheckMs > 0");
    });

    it("decides relation-path scopes in the database: in-org posts arrive, others never, a move out is removed", async () => {
      const { scoped, writer } = blog(60_000);
      const a1 = await (await writer.request("/api/authors", json("POST", { name: "a1", orgId: "o1" }))).json();
      const a2 = await (await writer.request("/api/authors", json("POST", { name: "a2", orgId: "o2" }))).json();
      const reader = await open(scoped, "/api/posts/subscribe", { "x-user": "1:o1" });
      const mine = await (await writer.request("/api/posts", json("POST", { title: "mine", authorId: a1.id }))).json();
      await writer.request("/api/posts", json("POST", { title: "theirs", authorId: a2.id }));
      await writer.request(`/api/posts/${mine.id}`, json("PATCH", { authorId: a2.id }));
      await reader.until(() => reader.events().length === 2);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(reader.events().map((e) => [e.type, e.object?.title ?? e.objectId])).toEqual([["added", "mine"], ["removed", String(mine.id)]]);
    });

    it("answers a resume of a relation-scoped subscription with an invalidate, not a guessed replay", async () => {
      const { scoped, writer } = blog(60_000);
      const first = await open(scoped, "/api/posts/subscribe", { "x-user": "1:o1" });
      const position = first.frames.find((f) => f.event === "synced")!.id!;
      await writer.request("/api/posts", json("POST", { title: "missed" }));
      const resumed = await open(scoped, "/api/posts/subscribe", { "x-user": "1:o1", "last-event-id": position });
      expect(resumed.events()).toEqual([expect.objectContaining({ type: "invalidate", reason: "Catchup unavailable for relation-scoped subscription - please refetch" })]);
    });

    it("reconciles an out-of-band membership change within one recheck interval", async () => {
      const { scoped, writer } = blog(50);
      const author = await (await writer.request("/api/authors", json("POST", { name: "a", orgId: "o1" }))).json();
      const post = await (await writer.request("/api/posts", json("POST", { title: "p", authorId: author.id }))).json();
      const reader = await open(scoped, "/api/posts/subscribe", { "x-user": "1:o1" });
      expect(reader.events().map((e) => e.type)).toEqual(["existing"]);
      // The author moves org: no post changed, so only the recheck can notice.
      await writer.request(`/api/authors/${author.id}`, json("PATCH", { orgId: "o2" }));
      await reader.until(() => reader.events().length === 2, 3000);
      expect(reader.events()[1]).toMatchObject({ type: "removed", objectId: String(post.id) });
      await writer.request(`/api/authors/${author.id}`, json("PATCH", { orgId: "o1" }));
      await reader.until(() => reader.events().length === 3, 3000);
      expect(reader.events()[2]).toMatchObject({ type: "added", object: { id: post.id, title: "p" } });
    });

    it("re-resolves a changed text scope on recheck: rows leave and enter", async () => {
      const roles = new Map([["1", "staff"]]);
      const app = createCovara({ realtime: { hub, sse: { scopeRecheckMs: 50 } }, auth: { middleware: headerAuth() } }).resource("/people", h.table, {
        id: h.table.id,
        db: h.db,
        auth: { scope: (user) => rsql`role==${roles.get(String(user.id)) ?? "nobody"}` },
      });
      const writer = createCovara({ realtime: { hub } }).resource("/people", h.table, { id: h.table.id, db: h.db });
      const staff = await (await writer.request("/api/people", json("POST", { name: "s", email: "s", role: "staff" }))).json();
      const admin = await (await writer.request("/api/people", json("POST", { name: "a", email: "a", role: "admin" }))).json();
      const reader = await open(app, "/api/people/subscribe", { "x-user": "1" });
      expect(reader.events().map((e) => e.object.id)).toEqual([staff.id]);
      roles.set("1", "admin");
      await reader.until(() => reader.events().length === 3, 3000);
      expect(reader.events().slice(1).map((e) => [e.type, e.objectId ?? e.object.id])).toEqual([["removed", String(staff.id)], ["added", admin.id]]);
    });

    it("ends the stream with `Authentication expired` once the captured session has expired", async () => {
      const shortSession: MiddlewareHandler = async (c, next) => {
        c.set("user" as never, { id: 1, sessionExpiresAt: new Date(Date.now() + 150) } as never);
        await next();
      };
      const app = createCovara({ realtime: { hub }, auth: { middleware: shortSession } }).resource("/people", h.table, { id: h.table.id, db: h.db, auth: { read: () => "*" } });
      const writer = createCovara({ realtime: { hub } }).resource("/people", h.table, { id: h.table.id, db: h.db });
      const reader = await open(app, "/api/people/subscribe", {});
      await writer.request("/api/people", json("POST", { name: "early", email: "e" }));
      await reader.until(() => reader.events().length === 1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await writer.request("/api/people", json("POST", { name: "late", email: "l" }));
      await reader.ended;
      expect(reader.events().map((e) => [e.type, e.reason ?? e.object.name])).toEqual([["added", "early"], ["invalidate", "Authentication expired"]]);
    });

    // Cookie sessions live in a store, so a logout is visible at once. A JWT access token stays
    // valid until it expires (then `Authentication expired` ends the stream, tested above).
    for (const transport of TRANSPORTS.filter((t) => t.name === "cookie")) {
      it(`ends the stream with \`Session revoked\` after a logout (${transport.name}), and keeps a live session streaming`, async () => {
        const dir = directory();
        dir.add("ann@example.com", "pw");
        dir.add("bob@example.com", "pw");
        const kv = createMemoryKV();
        const app = createCovara({ realtime: { hub, sse: { scopeRecheckMs: 40 } }, auth: useAuth({ session: transport.make(dir, kv), kv, login: { validateCredentials: dir.validateCredentials } }) }).resource("/people", h.table, { id: h.table.id, db: h.db });
        const writer = createCovara({ realtime: { hub } }).resource("/people", h.table, { id: h.table.id, db: h.db });
        const sessions = [authClient(app), authClient(app)];
        for (const [i, session] of sessions.entries()) {
          session.bearer = transport.name === "jwt";
          expect((await session.post("/login", { email: i === 0 ? "ann@example.com" : "bob@example.com", password: "pw" })).status).toBe(200);
        }
        const headersOf = (session: (typeof sessions)[number]) => {
          const headers: Record<string, string> = {};
          if (session.jar.size > 0) headers.cookie = [...session.jar].map(([k, v]) => `${k}=${v}`).join("; ");
          if (session.bearer && session.accessToken) headers.authorization = `Bearer ${session.accessToken}`;
          return headers;
        };
        const ann = await open(app, "/api/people/subscribe", headersOf(sessions[0]!));
        const bob = await open(app, "/api/people/subscribe", headersOf(sessions[1]!));
        // Several rechecks pass with both sessions alive: no false alarm.
        await new Promise((resolve) => setTimeout(resolve, 150));
        expect(ann.done || bob.done).toBe(false);
        expect((await sessions[0]!.post("/logout")).status).toBeLessThan(300);
        await ann.ended;
        expect(ann.events().at(-1)).toMatchObject({ type: "invalidate", reason: "Session revoked" });
        await writer.request("/api/people", json("POST", { name: "after", email: "a" }));
        await bob.until(() => bob.events().length === 1);
        expect(bob.events()[0]).toMatchObject({ type: "added", object: { name: "after" } });
      });
    }
  });
}
