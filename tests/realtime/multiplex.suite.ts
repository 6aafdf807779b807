/**
 * Multiplexing on every database (spec 20 §10, invariants 21–22): the shared stream at
 * `/__covara/stream`, channels that carry exactly the frames of a standalone stream, the control
 * error table, unsubscribe, backpressure on the whole stream, and shutdown. Each test gets its
 * own in-memory hub.
 */
import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { createCovara, rsql, type ResourceConfig } from "../../src/index.js";
import type { MultiplexOptions } from "../../src/realtime/multiplex/routes.js";
import { createMemoryHub } from "../../src/realtime/memory-hub.js";
import type { HubBackend } from "../../src/realtime/types.js";
import type { DbHarness } from "../resources/harness.js";
import { headerAuth } from "../resources/test-auth.js";
import { readSse, type SseReader } from "./sse-reader.js";

const post = (body: unknown, headers: Record<string, string> = {}, method = "POST"): RequestInit => ({
  method,
  body: JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});

/** A row event without what differs between two subscriptions (uuid, subscription id, snapshot time). */
function comparable(payload: any): any {
  if (payload === null || typeof payload !== "object" || !("subscriptionId" in payload)) return payload;
  const { id: _id, subscriptionId: _sub, timestamp: _ts, ...rest } = payload;
  return rest;
}

/** A standalone stream's frames as channel frames: name, payload, and its `id:` position. */
function standaloneFrames(reader: SseReader): unknown[] {
  return reader.frames
    .filter((f) => f.comment === undefined)
    .map((f) => ({ n: f.event ?? "message", d: comparable(f.data), ...(f.id === undefined ? {} : { id: Number(f.id) }) }));
}

export function multiplexSuite(getHarness: () => DbHarness) {
  describe("multiplexing (/__covara/stream)", () => {
    let h: DbHarness;
    let hub: HubBackend;
    let open: SseReader[];
    const build = (config: Partial<ResourceConfig> = {}, options: { auth?: boolean; multiplex?: MultiplexOptions | false; basePath?: string } = {}) =>
      createCovara({
        realtime: { hub, sse: { aggregateDebounceMs: 10 } },
        ...(options.multiplex === undefined ? {} : { multiplex: options.multiplex }),
        ...(options.basePath === undefined ? {} : { basePath: options.basePath }),
        ...(options.auth ? { auth: { middleware: headerAuth() } } : {}),
      }).resource("/people", h.table, { id: h.table.id, db: h.db, ...config });
    type App = ReturnType<typeof build>;
    const read = (res: Response) => {
      const reader = readSse(res);
      open.push(reader);
      return reader;
    };
    const connect = async (app: App, headers: Record<string, string> = {}) => {
      const res = await app.request("/__covara/stream", { headers });
      expect(res.status).toBe(200);
      const reader = read(res);
      await reader.until((fs) => fs.length > 0);
      return { res, reader, cid: reader.frames[0]!.data.cid as string };
    };
    const control = (app: App, cid: string, action: "subscribe" | "unsubscribe", body: unknown, headers: Record<string, string> = {}) =>
      app.request(`/__covara/stream/${cid}/${action}`, post(body, headers));
    const subscribeChannel = async (app: App, cid: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const res = await control(app, cid, "subscribe", { resource: "/api/people", ...body }, headers);
      expect(res.status, JSON.stringify(await res.clone().json())).toBe(200);
      expect(await res.json()).toEqual({ ok: true, channelId: body.channelId });
    };
    const channel = (reader: SseReader, channelId: string) => reader.frames.filter((f) => f.event === "mux" && f.data.c === channelId).map((f) => f.data);
    const channelFrames = (reader: SseReader, channelId: string) => channel(reader, channelId).map(({ n, d, id }) => ({ n, d: comparable(d), ...(id === undefined ? {} : { id }) }));
    const synced = (reader: SseReader, channelId: string) => reader.until(() => channel(reader, channelId).some((f) => f.n === "synced"));
    const create = async (app: App, body: Record<string, unknown>) => {
      const res = await app.request("/api/people", post({ email: "x@x", name: "n", ...body }));
      expect(res.status).toBe(201);
      return (await res.json()) as Record<string, any>;
    };
    const expectProblem = async (res: Response, status: number, code?: string) => {
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const body = await res.json();
      expect(body).toMatchObject({ type: "/__covara/problems/multiplex", status });
      expect(body.code).toBe(code);
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

    it("opens with `event: ready` and the stream id, then heartbeats, at a path independent of basePath", async () => {
      const app = build({}, { basePath: "/v1", multiplex: { heartbeatMs: 20 } });
      const { res, reader, cid } = await connect(app);
      expect(res.headers.get("content-type")).toBe("text/event-stream");
      expect(res.headers.get("cache-control")).toBe("no-cache, no-transform");
      expect(reader.frames[0]).toEqual({ event: "ready", data: { cid: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
      await reader.until((fs) => fs.some((f) => f.comment?.startsWith("ping ")));
      expect(cid).toBe(reader.frames[0]!.data.cid);
      expect((await build({}, { multiplex: false }).request("/__covara/stream")).status).toBe(404);
    });

    it("gives each channel exactly the frames of a standalone /subscribe with the same parameters, and no other channel's", async () => {
      const app = build();
      const a = await create(app, { name: "a", age: 30 });
      const b = await create(app, { name: "b", age: 5 });
      const oldStandalone = read(await app.request("/api/people/subscribe?filter=age=gt=20"));
      const youngStandalone = read(await app.request("/api/people/subscribe?filter=age=lt=20&skipExisting=true"));
      const { reader, cid } = await connect(app);
      await subscribeChannel(app, cid, { channelId: "old", filter: "age=gt=20" });
      await subscribeChannel(app, cid, { channelId: "young", kind: "resource", filter: "age=lt=20", skipExisting: true });
      await Promise.all([oldStandalone.synced(), youngStandalone.synced(), synced(reader, "old"), synced(reader, "young")]);
      await create(app, { name: "c", age: 40 });
      await app.request(`/api/people/${b.id}`, post({ age: 25 }, {}, "PATCH"));
      await app.request(`/api/people/${a.id}`, { method: "DELETE" });
      await create(app, { name: "d", age: 1 });
      await oldStandalone.until(() => oldStandalone.events().length === 4);
      await youngStandalone.until(() => youngStandalone.events().length === 2);
      await reader.until(() => channel(reader, "old").length === 6 && channel(reader, "young").length === 4);
      expect(channelFrames(reader, "old")).toEqual(standaloneFrames(oldStandalone));
      expect(channelFrames(reader, "young")).toEqual(standaloneFrames(youngStandalone));
      // Every frame belongs to a channel and has no `id:` line on the shared stream.
      expect(reader.frames.filter((f) => f.event === "mux").every((f) => ["old", "young"].includes(f.data.c))).toBe(true);
      expect(reader.frames.every((f) => f.id === undefined)).toBe(true);
    });

    it("gives an aggregate channel the frames of a standalone /aggregate/subscribe", async () => {
      const app = build();
      await create(app, { role: "staff" });
      const standalone = read(await app.request("/api/people/aggregate/subscribe?groupBy=role&count=true"));
      const { reader, cid } = await connect(app);
      await subscribeChannel(app, cid, { channelId: "agg", kind: "aggregate", aggregate: { groupBy: ["role"], count: true } });
      await create(app, { role: "admin" });
      await standalone.until((fs) => fs.filter((f) => f.event === "aggregate").length === 2);
      await reader.until(() => channel(reader, "agg").length === 3);
      expect(channelFrames(reader, "agg")).toEqual(standaloneFrames(standalone));
      expect(channel(reader, "agg")[2]!.d.data.groups).toHaveLength(2);
    });

    it("answers control errors with the multiplex problem type and the spec's statuses", async () => {
      const app = build({ auth: { read: (user) => rsql`role==${String(user.role)}` }, sse: { maxSubscriptionsPerUser: 2 } }, { auth: true });
      const user = { "x-user": "1:staff" };
      const { reader, cid } = await connect(app, user);
      await expectProblem(await control(app, crypto.randomUUID(), "subscribe", { channelId: "x", resource: "/api/people" }, user), 409, "stream_not_found");
      await expectProblem(await control(app, cid, "subscribe", { channelId: "x", resource: "/api/people" }, { "x-user": "2:staff" }), 403);
      await expectProblem(await control(app, cid, "subscribe", { channelId: "x", resource: "/api/people" }), 403);
      await expectProblem(await control(app, cid, "unsubscribe", { channelId: "x" }, { "x-user": "2:staff" }), 403);
      await expectProblem(await control(app, cid, "subscribe", { resource: "/api/people" }, user), 400);
      await expectProblem(await control(app, cid, "subscribe", { channelId: "x" }, user), 400);
      await expectProblem(await control(app, cid, "subscribe", { channelId: "x", resource: "/api/people", kind: "table" }, user), 400);
      await expectProblem(await control(app, cid, "subscribe", { channelId: "x", resource: "/api/people", filter: "nope==1" }, user), 400);
      await expectProblem(await control(app, cid, "subscribe", { channelId: "x", resource: "/api/people", kind: "aggregate", aggregate: { sum: ["name"] } }, user), 400);
      await expectProblem(await control(app, cid, "subscribe", { channelId: "x", resource: "/people" }, user), 404);
      await subscribeChannel(app, cid, { channelId: "one" }, user);
      await expectProblem(await control(app, cid, "subscribe", { channelId: "one", resource: "/api/people" }, user), 409);
      await subscribeChannel(app, cid, { channelId: "two", kind: "aggregate", aggregate: { count: true } }, user);
      // Over the per-user limit of the resource (2 here).
      await expectProblem(await control(app, cid, "subscribe", { channelId: "three", resource: "/api/people" }, user), 429);
      // Over the channels one stream may carry, whatever the subscription limits.
      const narrow = build({}, { multiplex: { maxChannelsPerConnection: 2 } });
      const shared = await connect(narrow);
      await subscribeChannel(narrow, shared.cid, { channelId: "a" });
      await subscribeChannel(narrow, shared.cid, { channelId: "b", kind: "aggregate" });
      await expectProblem(await control(narrow, shared.cid, "subscribe", { channelId: "c", resource: "/api/people" }), 429);
      await reader.close();
      await expectProblem(await control(app, cid, "subscribe", { channelId: "late", resource: "/api/people" }, user), 409, "stream_not_found");
    });

    it("answers 500 when a channel cannot be initialised", async () => {
      const app = build();
      const { cid } = await connect(app);
      const rename = (from: string, to: string) => {
        const statement = sql.raw(`ALTER TABLE people RENAME COLUMN ${from} TO ${to}`);
        return h.dialect === "sqlite" ? h.db.run(statement) : h.db.execute(statement);
      };
      await rename("role", "role_gone");
      let res: Response;
      try {
        res = await control(app, cid, "subscribe", { channelId: "agg", resource: "/api/people", kind: "aggregate", aggregate: { groupBy: "role", count: true } });
      } finally {
        await rename("role_gone", "role");
      }
      await expectProblem(res, 500);
    });

    it("unsubscribe always answers 200 and ends only that channel, freeing its slot", async () => {
      const app = build({ sse: { maxSubscriptionsPerUser: 1 } }, { auth: true });
      const user = { "x-user": "1:u" };
      const { reader, cid } = await connect(app, user);
      await subscribeChannel(app, cid, { channelId: "rows" }, user);
      const other = await connect(app, { "x-user": "2:u" });
      await subscribeChannel(app, other.cid, { channelId: "rows" }, { "x-user": "2:u" });
      await synced(reader, "rows");
      await synced(other.reader, "rows");
      for (const [target, body] of [[crypto.randomUUID(), { channelId: "rows" }], [cid, { channelId: "nope" }], [cid, {}], [cid, { channelId: "rows" }]] as const) {
        const res = await control(app, target, "unsubscribe", body, user);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ ok: true });
      }
      await create(build(), { name: "after" });
      await other.reader.until(() => channel(other.reader, "rows").some((f) => f.d.type === "added"));
      expect(channel(reader, "rows").some((f) => f.d.type === "added")).toBe(false);
      expect(reader.done).toBe(false);
      // The slot is free again, and the channel id can be reused.
      await subscribeChannel(app, cid, { channelId: "rows", skipExisting: true }, user);
    });

    it("runs a control POST as its own request: the POSTing user's scope decides the rows", async () => {
      const app = build({ auth: { read: (user) => rsql`role==${String(user.role)}` } }, { auth: true });
      await create(build(), { name: "s", role: "staff" });
      await create(build(), { name: "a", role: "admin" });
      const { reader, cid } = await connect(app, { "x-user": "1:staff" });
      await subscribeChannel(app, cid, { channelId: "rows" }, { "x-user": "1:admin" });
      await synced(reader, "rows");
      expect(channel(reader, "rows").filter((f) => f.n === "message").map((f) => f.d.object.name)).toEqual(["a"]);
    });

    it("applies backpressure to the whole shared stream: a slow consumer gets one invalidate and the stream ends", async () => {
      const app = build({}, { multiplex: { maxQueueBytes: 1024 } });
      for (let i = 0; i < 3; i++) await create(app, { name: `seed${i}` });
      const res = await app.request("/__covara/stream");
      const body = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = decoder.decode((await body.read()).value);
      const cid = JSON.parse(/data: (.*)\n/.exec(text)![1]!).cid as string;
      await subscribeChannel(app, cid, { channelId: "one" });
      await subscribeChannel(app, cid, { channelId: "two" });
      // Nobody reads: live events fill the queue until the policy closes the stream.
      for (let i = 0; i < 20 && app.realtime.openStreams > 0; i++) await create(app, { name: `live${i}`.padEnd(200, "x") });
      expect(app.realtime.openStreams).toBe(0);
      for (;;) {
        const { value, done } = await body.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      expect(text.endsWith('data: {"type":"invalidate","reason":"slow-consumer"}\n\n')).toBe(true);
      await expectProblem(await control(app, cid, "subscribe", { channelId: "three", resource: "/api/people" }), 409, "stream_not_found");
    });

    it("ends its channels and frees their slots when the client leaves; shutdown closes the stream", async () => {
      const app = build({ sse: { maxSubscriptionsPerUser: 1 } }, { auth: true });
      const user = { "x-user": "1:u" };
      const first = await connect(app, user);
      await subscribeChannel(app, first.cid, { channelId: "rows" }, user);
      await first.reader.close();
      const second = await connect(app, user);
      await subscribeChannel(app, second.cid, { channelId: "rows" }, user);
      await synced(second.reader, "rows");
      app.realtime.closeAll();
      await second.reader.ended;
      expect(app.realtime.openStreams).toBe(0);
      // The channel's slot was released with the stream: a standalone subscription fits again.
      const res = await app.request("/api/people/subscribe", { headers: user });
      expect(res.status).toBe(200);
      read(res);
    });
  });
}
