/**
 * `resource.subscribe` against a real server (spec 80 §2.1, spec 20 §3–§5, §9): callbacks in
 * order, resume with `Last-Event-ID` after the server went away (nothing lost or duplicated),
 * `invalidate` → fresh resubscribe, `resumeFrom`, `unsubscribe`, date revival and live aggregates.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createCovara, createMemoryHub, recordExternalMutation, type CovaraApp } from "../../src/index.js";
import { createClient, type CovaraClient, type Subscription } from "../../src/client/index.js";
import { eventually, openDb, serve, todos as todosTable, writeThroughApp, type TestDb, type TestServer, type Todo } from "./fixture.js";

/** Records every callback as a short string, in order. */
function recorder() {
  const log: string[] = [];
  const callbacks = {
    onConnected: () => log.push("connected"),
    onSynced: () => log.push("synced"),
    onExisting: (t: Todo) => log.push(`existing:${t.title}`),
    onAdded: (t: Todo, meta?: { optimisticId?: string }) => log.push(`added:${t.title}${meta?.optimisticId ? `@${meta.optimisticId}` : ""}`),
    onChanged: (t: Todo) => log.push(`changed:${t.title}`),
    onRemoved: (id: string) => log.push(`removed:${id}`),
    onInvalidate: (reason?: string) => log.push(`invalidate:${reason}`),
    onDisconnected: () => log.push("disconnected"),
    onError: (e: unknown) => log.push(`error:${(e as Error).message}`),
  };
  return { log, callbacks };
}

describe("subscriptions", () => {
  let db: TestDb;
  let server: TestServer;
  let client: CovaraClient;
  /** `Last-Event-ID` / `resumeFrom` of every subscribe request the server saw. */
  let positions: (string | null)[] = [];
  let subscription: Subscription<Todo> | undefined;
  const hub = createMemoryHub();
  const todos = () => client.resource<Todo>("/api/todos");
  const configure = (app: CovaraApp) => {
    app.use("/api/todos/subscribe", async (c, next) => {
      // The client sends both; the header wins on the server (spec 20 §2), the query survives proxies that drop it.
      const header = c.req.header("last-event-id") ?? null;
      expect(c.req.query("resumeFrom") ?? null).toBe(header);
      positions.push(header);
      await next();
    });
  };

  beforeAll(async () => {
    db = openDb();
    server = await serve({ db, hub, configure });
    client = createClient({ baseUrl: server.origin, reconnect: { baseDelayMs: 20, maxDelayMs: 100 } });
  });
  afterAll(async () => {
    await server.close();
    db.close();
  });
  beforeEach(() => {
    db.reset();
    positions = [];
  });
  afterEach(() => subscription?.unsubscribe());

  it("delivers connected, the snapshot, synced, then live events, in order", async () => {
    await todos().batchCreate([{ title: "a" }, { title: "b" }]);
    const { log, callbacks } = recorder();
    let connectedSeq = -1;
    subscription = todos().subscribe({}, { ...callbacks, onConnected: (seq) => (connectedSeq = seq, log.push("connected")) });
    await eventually(() => log.includes("synced"));
    expect(subscription.state.lastSeq).toBe(connectedSeq);
    const created = await todos().create({ title: "c" }, { optimisticId: "opt-7" });
    await todos().update(created.id, { title: "c2" });
    await todos().delete(created.id);
    await eventually(() => log.length === 7);
    expect(log).toEqual(["connected", "existing:a", "existing:b", "synced", "added:c@opt-7", "changed:c2", `removed:${created.id}`]);
    expect(subscription.items.map((t) => t.title).sort()).toEqual(["a", "b"]);
    expect(subscription.state.isConnected).toBe(true);
    // The position follows the `id:` lines of live events, not their per-connection `seq`.
    expect(subscription.state.lastSeq).toBe(connectedSeq + 3);
  });

  it("only sees rows matching its filter; skipExisting sends no snapshot", async () => {
    await todos().batchCreate([{ title: "open", done: false }, { title: "closed", done: true }]);
    const { log, callbacks } = recorder();
    subscription = todos().subscribe({ filter: "done==false", skipExisting: true }, callbacks);
    await eventually(() => log.includes("synced"));
    expect(log).toEqual(["connected", "synced"]);
    const [open] = (await todos().list({ filter: 'title=="open"' })).items;
    await todos().update(open!.id, { done: true });
    await todos().create({ title: "ignored", done: true });
    await todos().create({ title: "new", done: false });
    await eventually(() => log.length === 4);
    expect(log.slice(2)).toEqual([`removed:${open!.id}`, "added:new"]);
  });

  it("resumes from the last position after the server went away: nothing lost, nothing twice", async () => {
    const [a, b] = await todos().batchCreate([{ title: "a" }, { title: "b" }]);
    const { log, callbacks } = recorder();
    subscription = todos().subscribe({}, callbacks);
    await eventually(() => log.includes("synced"));

    // The server shuts down (ending the stream cleanly); writes go on elsewhere meanwhile.
    const port = server.port;
    await server.close();
    await eventually(() => log.includes("disconnected"));
    const elsewhere = createCovara({ realtime: { hub } }).resource("/todos", todosTable, { id: todosTable.id, db: db.db });
    await writeThroughApp(elsewhere, "POST", "/api/todos", { title: "c" });
    await writeThroughApp(elsewhere, "PATCH", `/api/todos/${a!.id}`, { title: "a2" });
    await writeThroughApp(elsewhere, "DELETE", `/api/todos/${b!.id}`);
    const positionBefore = subscription.state.lastSeq;

    server = await serve({ db, hub, port, configure });
    await eventually(() => log.includes(`removed:${b!.id}`) && log.at(-1) === "synced", 5000, "resume");
    // A reconnect may first reach the closing server over a kept-alive socket and be cut again,
    // so the number of connect cycles varies; what was missed arrives exactly once, by replay.
    expect(log.slice(0, 5)).toEqual(["connected", "existing:a", "existing:b", "synced", "disconnected"]);
    const missed = ["added:c", "changed:a2", `removed:${b!.id}`];
    expect(log.filter((l) => missed.includes(l))).toEqual(missed);
    expect(log.slice(4).filter((l) => l.startsWith("existing:"))).toEqual([]);
    expect(log.slice(log.indexOf("added:c") - 1, log.indexOf(`removed:${b!.id}`) + 2)).toEqual(["connected", ...missed, "synced"]);
    expect(positions.slice(1)).not.toContain(null);
    expect(positions.at(-1)).toBe(String(positionBefore));
    const rows = (await todos().list({ orderBy: "id" })).items;
    expect([...subscription.state.items.values()].sort((x, y) => x.id - y.id)).toEqual(rows);
    // Live again: new writes arrive once.
    await todos().create({ title: "d" });
    await eventually(() => log.includes("added:d"));
    expect(log.filter((l) => l.startsWith("added:")).sort()).toEqual(["added:c", "added:d"]);
  });

  it("on invalidate drops its view, forgets the position and starts fresh", async () => {
    await todos().batchCreate([{ title: "a" }]);
    const { log, callbacks } = recorder();
    subscription = todos().subscribe({}, callbacks);
    await eventually(() => log.includes("synced"));
    await writeThroughApp(server.app, "POST", "/api/todos", { title: "b" });
    await eventually(() => log.includes("added:b"));
    let itemsAtInvalidate = -1;
    const watched = todos().subscribe({}, { onInvalidate: () => (itemsAtInvalidate = watched.state.items.size) });
    await eventually(() => watched.state.lastSeq > 0);

    await recordExternalMutation("todos", "update", { hub });
    await eventually(() => log.filter((l) => l === "synced").length === 2);
    expect(log.slice(4)).toEqual(["invalidate:external-mutation", "connected", "existing:a", "existing:b", "synced"]);
    // The callback fires before the view is dropped; the fresh request carries no position.
    expect(itemsAtInvalidate).toBe(2);
    expect(positions.filter((p) => p === null)).toHaveLength(4);
    expect(subscription.items.map((t) => t.title).sort()).toEqual(["a", "b"]);
    watched.unsubscribe();
  });

  it("resumeFrom replays from a given position, and a bogus one is invalidated", async () => {
    const { log, callbacks } = recorder();
    subscription = todos().subscribe({}, callbacks);
    await eventually(() => log.includes("synced"));
    const start = subscription.state.lastSeq;
    await todos().create({ title: "x" });
    await todos().create({ title: "y" });
    await eventually(() => log.includes("added:y"));

    subscription.resumeFrom(start);
    await eventually(() => log.filter((l) => l === "connected").length === 2 && log.at(-1) === "synced");
    expect(log.slice(-4)).toEqual(["connected", "added:x", "added:y", "synced"]);
    expect(subscription.items.map((t) => t.title)).toEqual(["x", "y"]);
    expect(positions.at(-1)).toBe(String(start));

    subscription.resumeFrom(subscription.state.lastSeq + 1000);
    await eventually(() => log.some((l) => l.startsWith("invalidate:")) && log.at(-1) === "synced");
    expect(log.filter((l) => l.startsWith("invalidate:"))).toEqual(["invalidate:Sequence gap - please refetch"]);
    expect(log.slice(-3)).toEqual(["existing:x", "existing:y", "synced"]);
  });

  it("unsubscribe closes the stream for good and clears the view", async () => {
    await todos().create({ title: "a" });
    const { log, callbacks } = recorder();
    const handle = todos().subscribe({}, callbacks);
    await eventually(() => log.includes("synced"));
    handle.unsubscribe();
    expect(handle.items).toEqual([]);
    expect(handle.state.isConnected).toBe(false);
    await todos().create({ title: "b" });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(log).toEqual(["connected", "existing:a", "synced"]);
  });

  it("revives dates in events with parseDates", async () => {
    const dated = createClient({ baseUrl: server.origin, parseDates: { "/api/todos": ["createdAt"] } });
    const seen: Todo[] = [];
    subscription = dated.resource<Todo>("/api/todos").subscribe({}, { onAdded: (t) => seen.push(t) });
    await eventually(() => subscription!.state.lastSeq > 0);
    await todos().create({ title: "when", createdAt: "2024-01-02T03:04:05.000Z" });
    await eventually(() => seen.length === 1);
    expect(seen[0]!.createdAt).toEqual(new Date("2024-01-02T03:04:05.000Z"));
  });

  it("subscribeAggregate reports the current groups and every change", async () => {
    await todos().batchCreate([{ title: "a", done: true }, { title: "b", done: false }]);
    const results: unknown[] = [];
    const connection: boolean[] = [];
    const live = todos().subscribeAggregate<{ key: { done: boolean }; count: number }>(
      { groupBy: ["done"], count: true },
      { onData: (data) => results.push(data.groups.map((g) => [g.key.done, g.count]).sort()), onConnectionChange: (c) => connection.push(c) },
    );
    await eventually(() => results.length === 1);
    expect(results[0]).toEqual([[false, 1], [true, 1]]);
    await todos().create({ title: "c", done: true });
    await eventually(() => results.length === 2);
    expect(results[1]).toEqual([[false, 1], [true, 2]]);
    live.unsubscribe();
    expect(connection).toEqual([true, false]);
  });
});
