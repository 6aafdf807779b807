/**
 * `GET <mount>/aggregate/subscribe` on every database (spec 20 §11, invariants 23–24): the
 * snapshot frame (even when empty), later frames only for a different result, debounced and
 * skipped recomputes (counted as SQL statements), a failed recompute that keeps the stream open,
 * and the problems that come before the stream. Each test gets its own in-memory hub.
 */
import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { createCovara, rsql, type ResourceConfig } from "../../src/index.js";
import { LiveAggregate, type AggregateBody } from "../../src/realtime/live-aggregate.js";
import { createMemoryHub } from "../../src/realtime/memory-hub.js";
import type { HubBackend } from "../../src/realtime/types.js";
import type { AggregateGroup } from "../../src/resource/aggregate/query.js";
import type { DbHarness } from "../resources/harness.js";
import { headerAuth } from "../resources/test-auth.js";
import { readSse, type SseReader } from "./sse-reader.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  body: JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});
const patch = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({ ...post(body, headers), method: "PATCH" });

export function aggregateSubscribeSuite(getHarness: () => DbHarness) {
  describe("live aggregates (GET /aggregate/subscribe)", () => {
    let h: DbHarness;
    let hub: HubBackend;
    let open: SseReader[];
    const build = (config: Partial<ResourceConfig> = {}, options: { auth?: boolean; debounceMs?: number } = {}) =>
      createCovara({
        realtime: { hub, sse: { aggregateDebounceMs: options.debounceMs ?? 20 } },
        ...(options.auth ? { auth: { middleware: headerAuth() } } : {}),
      }).resource("/people", h.table, { id: h.table.id, db: h.db, ...config });
    type App = ReturnType<typeof build>;
    const subscribe = async (app: App, query: string, headers: Record<string, string> = {}) => {
      const res = await app.request(`/api/people/aggregate/subscribe${query}`, { headers });
      expect(res.status).toBe(200);
      const reader = readSse(res);
      open.push(reader);
      await reader.until((fs) => fs.some((f) => f.event === "aggregate"));
      return { res, reader };
    };
    const aggregates = (reader: SseReader) => reader.frames.filter((f) => f.event === "aggregate");
    const create = async (app: App, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const res = await app.request("/api/people", post({ email: "x@x", name: "n", ...body }, headers));
      expect(res.status).toBe(201);
      return (await res.json()) as Record<string, any>;
    };
    const head = async () => (await hub.window("people")).head;
    /** Renames a column so the aggregate query fails, and back. */
    const renameRole = (from: string, to: string) => {
      const statement = sql.raw(`ALTER TABLE people RENAME COLUMN ${from} TO ${to}`);
      return h.dialect === "sqlite" ? h.db.run(statement) : h.db.execute(statement);
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

    it("opens with `connected` (no id), then at once an `aggregate` snapshot with the head as id and seq, even when empty", async () => {
      const app = build();
      const { res, reader } = await subscribe(app, "?groupBy=role&count=true");
      expect(res.headers.get("content-type")).toBe("text/event-stream");
      expect(res.headers.get("cache-control")).toBe("no-cache, no-transform");
      const H = await head();
      expect(reader.frames).toEqual([
        { event: "connected", data: { seq: H } },
        { event: "aggregate", id: String(H), data: { data: { groups: [] }, seq: H } },
      ]);
    });

    it("sends a new result after a change, with the newest changelog position as id and seq", async () => {
      const app = build();
      await create(app, { role: "staff", age: 30 });
      const { reader } = await subscribe(app, "?groupBy=role&count=true&sum=age");
      expect(aggregates(reader)[0]!.data.data.groups).toEqual([{ key: { role: "staff" }, count: 1, sum: { age: 30 } }]);
      await create(app, { role: "staff", age: 12 });
      await reader.until(() => aggregates(reader).length === 2);
      const H = await head();
      expect(aggregates(reader)[1]).toEqual({ event: "aggregate", id: String(H), data: { data: { groups: [{ key: { role: "staff" }, count: 2, sum: { age: 42 } }] }, seq: H } });
    });

    it("recomputes once for a burst (debounced), and sends nothing when the result is unchanged", async () => {
      const app = build({}, { debounceMs: 300 });
      const { reader } = await subscribe(app, "?count=true");
      for (let i = 0; i < 5; i++) await create(app, { age: i });
      await reader.until(() => aggregates(reader).length === 2);
      await sleep(400);
      expect(aggregates(reader).map((f) => f.data.data.groups[0].count)).toEqual([0, 5]);
      // Five entries appended at once cost one query; an unchanged count sends no frame.
      const { queries } = await h.countQueries(async () => {
        for (let i = 0; i < 5; i++) await hub.append("people", [{ type: "create", objectId: "*" }]);
        await sleep(500);
      });
      expect(queries).toBe(1);
      expect(aggregates(reader)).toHaveLength(2);
    });

    it("does not recompute for changes whose rows lie outside the caller's scope and filter", async () => {
      const app = build({ auth: { read: (user) => rsql`role==${String(user.role)}` } }, { auth: true });
      const writer = build();
      const { reader } = await subscribe(app, "?count=true&filter=age=gt=20", { "x-user": "1:staff" });
      const settle = (write: () => Promise<unknown>) => h.countQueries(async () => (await write(), await sleep(150))).then((r) => r.queries);
      const outsideScope = await settle(() => create(writer, { role: "admin", age: 50 }));
      const outsideFilter = await settle(() => create(writer, { role: "staff", age: 5 }));
      const inside = await settle(() => create(writer, { role: "staff", age: 50 }));
      // A write costs the same statements every time; only the inside one adds the recompute.
      expect(outsideFilter).toBe(outsideScope);
      expect(inside).toBe(outsideScope + 1);
      expect(aggregates(reader).map((f) => f.data.data.groups[0].count)).toEqual([0, 1]);
      // Leaving the scope is seen through the before-image.
      const rows = (await (await writer.request("/api/people?filter=age==50")).json()).items as Record<string, any>[];
      const staffRow = rows.find((row) => row.role === "staff")!;
      await writer.request(`/api/people/${staffRow.id}`, patch({ role: "admin" }));
      await reader.until(() => aggregates(reader).length === 3);
      expect(aggregates(reader)[2]!.data.data.groups[0].count).toBe(0);
    });

    it("aggregates over the read scope, not the subscribe scope, resolved at connect", async () => {
      const app = build({ auth: { read: () => rsql`role==${"staff"}`, subscribe: () => "" } }, { auth: true });
      await create(build(), { role: "staff" });
      await create(build(), { role: "admin" });
      const { reader } = await subscribe(app, "?count=true", { "x-user": "1:u" });
      expect(aggregates(reader)[0]!.data.data.groups).toEqual([{ key: null, count: 1 }]);
      await create(build(), { role: "staff" });
      await reader.until(() => aggregates(reader).length === 2);
      expect(aggregates(reader)[1]!.data.data.groups).toEqual([{ key: null, count: 2 }]);
    });

    it("sends an `error` frame when a recompute fails and keeps the stream open", async () => {
      const app = build();
      const { reader } = await subscribe(app, "?groupBy=role&count=true");
      await renameRole("role", "role_gone");
      try {
        await hub.append("people", [{ type: "create", objectId: "*" }]);
        await reader.until((fs) => fs.some((f) => f.event === "error"));
      } finally {
        await renameRole("role_gone", "role");
      }
      expect(reader.frames.find((f) => f.event === "error")!.data).toEqual({ error: expect.any(String) });
      await create(app, { role: "staff" });
      await reader.until(() => aggregates(reader).length === 2);
      expect(aggregates(reader)[1]!.data.data.groups).toEqual([{ key: { role: "staff" }, count: 1 }]);
      expect(reader.done).toBe(false);
    });

    it("refuses bad input, anonymous callers and disabled capabilities before the stream opens", async () => {
      const app = build({ fields: { readable: [h.table.id, h.table.name, h.table.role, h.table.age] } as never });
      const cases = ["?groupBy=nope", "?sum=name", "?sum=score", "?count=maybe", "?having=", "?count=true&having=nope>1", "?count=true&having=count>x", "?filter=age=gt="];
      for (const query of cases) {
        const res = await app.request(`/api/people/aggregate/subscribe${query}`);
        expect(res.status, query).toBe(400);
        expect(res.headers.get("content-type"), query).toBe("application/problem+json");
      }
      const authed = build({ auth: { read: () => "*" } }, { auth: true });
      expect((await authed.request("/api/people/aggregate/subscribe?count=true")).status).toBe(401);
      const noSubscribe = build({ capabilities: { enableSubscribe: false } });
      expect((await noSubscribe.request("/api/people/aggregate/subscribe?count=true")).status).toBe(404);
      expect((await noSubscribe.request("/api/people/aggregate?count=true")).status).toBe(200);
      const noAggregates = build({ capabilities: { enableAggregations: false } });
      expect((await noAggregates.request("/api/people/aggregate/subscribe?count=true")).status).toBe(404);
    });

    it("shares the subscription limits of /subscribe (429) and frees the slot when the stream ends", async () => {
      const app = build({ sse: { maxSubscriptionsPerUser: 2 } }, { auth: true });
      const first = await subscribe(app, "?count=true", { "x-user": "1:u" });
      const other = await app.request("/api/people/subscribe", { headers: { "x-user": "1:u" } });
      expect(other.status).toBe(200);
      open.push(readSse(other));
      const refused = await app.request("/api/people/aggregate/subscribe?count=true", { headers: { "x-user": "1:u" } });
      expect(refused.status).toBe(429);
      expect(await refused.json()).toEqual({ type: "/__covara/problems/rate-limit-exceeded", title: "Too many subscriptions", status: 429, detail: "Maximum 2 subscriptions per user" });
      await first.reader.close();
      await subscribe(app, "?count=true", { "x-user": "1:u" });
    });

    it("compares results regardless of group order", async () => {
      // The query is injected here, so the same groups can come back in another order.
      const staff: AggregateGroup = { key: { role: "staff" }, count: 1 };
      const admin: AggregateGroup = { key: { role: "admin" }, count: 2 };
      const answers = [[staff, admin], [admin, staff], [admin, { ...staff, count: 3 }]];
      const sent: AggregateBody[] = [];
      const live = new LiveAggregate({
        hub,
        resource: "people",
        compute: async () => answers.shift() ?? [],
        debounceMs: 5,
        output: { open: true, connected: () => {}, aggregate: (body) => (sent.push(body), true), error: () => {}, end: () => {} },
      });
      await live.connect();
      live.run();
      await hub.append("people", [{ type: "create", objectId: "*" }]);
      await sleep(60);
      expect(sent).toHaveLength(1);
      await hub.append("people", [{ type: "create", objectId: "*" }]);
      await sleep(60);
      expect(sent.map((body) => body.data.groups)).toEqual([[staff, admin], [admin, { ...staff, count: 3 }]]);
      live.close();
    });
  });
}
