/**
 * `GET /subscribe` on every database (spec 20 §2–§6): wire format, snapshot, live
 * classification, resume, hybrid start, scopes and masking, and the problems that come before
 * the stream opens. Each test gets its own in-memory hub, so positions never leak between tests.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { createCovara, rsql, type ResourceConfig } from "../../src/index.js";
import { createMemoryHub } from "../../src/realtime/memory-hub.js";
import type { HubBackend } from "../../src/realtime/types.js";
import type { DbHarness } from "../resources/harness.js";
import { headerAuth } from "../resources/test-auth.js";
import { readSse, type SseReader } from "./sse-reader.js";

const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  body: JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});
const patch = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({ ...post(body, headers), method: "PATCH" });

export function subscribeSuite(getHarness: () => DbHarness) {
  describe("subscriptions (GET /subscribe)", () => {
    let h: DbHarness;
    let hub: HubBackend;
    let open: SseReader[];
    const build = (config: Partial<ResourceConfig> = {}, withAuth = false) =>
      createCovara({ realtime: { hub }, ...(withAuth ? { auth: { middleware: headerAuth() } } : {}) }).resource("/people", h.table, { id: h.table.id, db: h.db, ...config });
    const subscribe = async (app: ReturnType<typeof build>, query = "", headers: Record<string, string> = {}) => {
      const res = await app.request(`/api/people/subscribe${query}`, { headers });
      expect(res.status).toBe(200);
      const reader = readSse(res);
      open.push(reader);
      return { res, reader };
    };
    const create = async (app: ReturnType<typeof build>, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const res = await app.request("/api/people", post({ email: "x@x", ...body }, headers));
      expect(res.status).toBe(201);
      return (await res.json()) as Record<string, any>;
    };

    beforeEach(async () => {
      h = getHarness();
      await h.reset();
      hub = createMemoryHub();
      open = [];
      return async () => {
        for (const reader of open) await reader.close();
      };
    });

    it("opens with SSE headers, `connected` (no id), one `existing` per matching row, then `synced` with the head as id", async () => {
      const app = build();
      await create(app, { name: "a", age: 10 });
      await create(app, { name: "b", age: 40 });
      await create(app, { name: "c", age: 50 });
      const { res, reader } = await subscribe(app, "?filter=age=gt=20");
      expect(res.headers.get("content-type")).toBe("text/event-stream");
      expect(res.headers.get("cache-control")).toBe("no-cache, no-transform");
      expect(res.headers.get("x-accel-buffering")).toBe("no");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      await reader.synced();
      const [connected, ...rest] = reader.frames;
      const head = (await hub.window("people")).head;
      expect(connected).toEqual({ event: "connected", data: { seq: head } });
      const existing = rest.filter((f) => f.data?.type === "existing");
      expect(existing.map((f) => f.data.object.name).sort()).toEqual(["b", "c"]);
      expect(existing.every((f) => f.id === undefined)).toBe(true);
      expect(existing.map((f) => f.data.seq)).toEqual([1, 2]);
      expect(existing[0]!.data.subscriptionId).toMatch(/^[0-9a-f-]{36}:people$/);
      const synced = reader.frames.find((f) => f.event === "synced")!;
      expect(synced).toEqual({ event: "synced", id: String(head), data: { seq: head } });
      expect(reader.frames.indexOf(synced)).toBe(reader.frames.length - 1);
    });

    it("classifies live changes against the filter: added, changed, removed, nothing outside", async () => {
      const app = build();
      const { reader } = await subscribe(app, "?filter=age=gt=20");
      await reader.synced();
      const head = (await hub.window("people")).head;
      const young = await create(app, { name: "young", age: 5 });
      const old = await create(app, { name: "old", age: 60 }, { "x-covara-optimistic-id": "opt-7" });
      await app.request(`/api/people/${old.id}`, patch({ name: "older" }));
      await app.request(`/api/people/${young.id}`, patch({ age: 30 })); // enters
      await app.request(`/api/people/${old.id}`, patch({ age: 1 })); // leaves
      await app.request(`/api/people/${young.id}`, { method: "DELETE" });
      await create(app, { name: "outside", age: 2 });
      await reader.until(() => reader.events().length === 5);
      const events = reader.events();
      expect(events.map((e) => [e.type, e.object?.name ?? e.objectId])).toEqual([
        ["added", "old"],
        ["changed", "older"],
        ["added", "young"],
        ["removed", String(old.id)],
        ["removed", String(young.id)],
      ]);
      expect(events[0].meta).toEqual({ optimisticId: "opt-7" });
      expect(events[1].previousObjectId).toBe(String(old.id));
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      // Live events carry their changelog position; positions only grow.
      const ids = reader.frames.filter((f) => f.data?.type).map((f) => Number(f.id));
      expect(ids).toEqual([head + 2, head + 3, head + 4, head + 5, head + 6]);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(reader.events()).toHaveLength(5);
    });

    it("resumes from Last-Event-ID (over resumeFrom): replays what it missed with ids, no snapshot", async () => {
      const app = build();
      const a = await create(app, { name: "a", age: 30 });
      const first = await subscribe(app);
      await first.reader.synced();
      const position = Number(first.reader.frames.find((f) => f.event === "synced")!.id);
      await first.reader.close();
      await app.request(`/api/people/${a.id}`, patch({ name: "a2" }));
      const b = await create(app, { name: "b", age: 30 });
      await app.request(`/api/people/${b.id}`, { method: "DELETE" });
      const { reader } = await subscribe(app, "?resumeFrom=1", { "last-event-id": String(position) });
      await reader.synced();
      const replayed = reader.frames.filter((f) => f.data?.type);
      expect(replayed.map((f) => [f.data.type, f.id])).toEqual([
        ["changed", String(position + 1)],
        ["added", String(position + 2)],
        ["removed", String(position + 3)],
      ]);
      expect(reader.events().some((e) => e.type === "existing")).toBe(false);
      // After the replay, later changes classify against what matches now.
      await app.request(`/api/people/${a.id}`, patch({ name: "a3" }));
      await reader.until(() => reader.events().length === 4);
      expect(reader.events()[3]).toMatchObject({ type: "changed", object: { name: "a3" }, seq: 4 });
    });

    it("answers a position past the head with a gap invalidate and no replay", async () => {
      const app = build();
      await create(app, { name: "a" });
      const head = (await hub.window("people")).head;
      const { reader } = await subscribe(app, `?resumeFrom=${head + 50}`);
      await reader.synced();
      expect(reader.events()).toEqual([expect.objectContaining({ type: "invalidate", reason: "Sequence gap - please refetch", seq: 1 })]);
      const invalidate = reader.frames.find((f) => f.data?.type === "invalidate")!;
      expect(invalidate.id).toBeUndefined();
    });

    it("starts hybrid with skipExisting: no snapshot; known rows in scope change, unknown ones are added", async () => {
      const app = build({ auth: { read: (user) => rsql`role==${String(user.role)}` } }, true);
      const open = build();
      const mine = await create(open, { name: "mine", role: "staff" });
      const theirs = await create(open, { name: "theirs", role: "admin" });
      const { reader } = await subscribe(app, `?skipExisting=true&knownIds=${mine.id},${theirs.id}`, { "x-user": "1:staff" });
      await reader.synced();
      expect(reader.events()).toEqual([]);
      await open.request(`/api/people/${mine.id}`, patch({ name: "mine2" }));
      // Not in scope: an unchecked knownIds entry must not leak updates as `removed`.
      await open.request(`/api/people/${theirs.id}`, patch({ name: "theirs2" }));
      await create(open, { name: "new", role: "staff" });
      await reader.until(() => reader.events().length === 2);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(reader.events().map((e) => [e.type, e.object?.name])).toEqual([["changed", "mine2"], ["added", "new"]]);
    });

    it("enforces the subscribe scope and masks unreadable fields; a deny scope streams nothing", async () => {
      const scoped = build({ auth: { subscribe: (user) => (user.role === "none" ? "" : rsql`role==${String(user.role)}`) }, fields: { readable: [h.table.id, h.table.name, h.table.role] } as never }, true);
      const openApp = build();
      const staff = await subscribe(scoped, "", { "x-user": "1:staff" });
      const denied = await subscribe(scoped, "?filter=name==x", { "x-user": "2:none" });
      await staff.reader.synced();
      await denied.reader.synced();
      await create(openApp, { name: "s", role: "staff", age: 33 });
      await create(openApp, { name: "x", role: "admin", age: 44 });
      await staff.reader.until(() => staff.reader.events().length === 1);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(staff.reader.events()).toEqual([expect.objectContaining({ type: "added", object: { id: expect.anything(), name: "s", role: "staff" } })]);
      expect(denied.reader.events()).toEqual([]);
    });

    it("refuses a filter on a masked column with a 400 before the stream opens", async () => {
      const app = build({ fields: { readable: [h.table.id, h.table.name] } as never });
      const res = await app.request("/api/people/subscribe?filter=age=gt=1");
      // Masked columns are not filterable by callers: a 400 before any stream byte.
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    });

    it("refuses bad input before the stream opens", async () => {
      const app = build();
      const cases: [string, number][] = [
        ["?filter=age=gt=", 400],
        ["?filter=nope==1", 400],
        ["?filter=author.name==x", 400],
        ["?filter=name==x';DROP TABLE people;--", 400],
        ["?resumeFrom=abc", 400],
        ["?include=nothing", 400],
      ];
      for (const [query, status] of cases) {
        const res = await app.request(`/api/people/subscribe${query}`);
        expect(res.status, query).toBe(status);
        expect(res.headers.get("content-type"), query).toBe("application/problem+json");
      }
      const authed = build({ auth: { read: () => "*" } }, true);
      expect((await authed.request("/api/people/subscribe")).status).toBe(401);
      const disabled = build({ capabilities: { enableSubscribe: false } });
      expect((await disabled.request("/api/people/subscribe")).status).toBe(404);
      expect(await h.canaryExists()).toBe(true);
    });

    it("limits subscriptions per user with a 429 problem (no code), and frees the slot on close", async () => {
      const app = build({ sse: { maxSubscriptionsPerUser: 2 } }, true);
      const one = await subscribe(app, "", { "x-user": "1:u" });
      await subscribe(app, "", { "x-user": "1:u" });
      const refused = await app.request("/api/people/subscribe", { headers: { "x-user": "1:u" } });
      expect(refused.status).toBe(429);
      expect(await refused.json()).toEqual({ type: "/__covara/problems/rate-limit-exceeded", title: "Too many subscriptions", status: 429, detail: "Maximum 2 subscriptions per user" });
      expect((await app.request("/api/people/subscribe", { headers: { "x-user": "2:u" } })).status).toBe(200);
      await one.reader.close();
      await subscribe(app, "", { "x-user": "1:u" });
    });

    it("delivers a soft delete as removed", async () => {
      const app = build({ softDelete: { field: h.table.createdAt, deletedValue: () => new Date() } as never });
      const row = await create(app, { name: "soft" });
      const { reader } = await subscribe(app);
      await reader.synced();
      expect((await app.request(`/api/people/${row.id}`, { method: "DELETE" })).status).toBe(204);
      await reader.until(() => reader.events().some((e) => e.type === "removed"));
      expect(reader.events().at(-1)).toMatchObject({ type: "removed", objectId: String(row.id) });
    });
  });
}
