/**
 * The resource API against a real server over loopback (spec 80 §2–§3): CRUD, list options,
 * select projections, count, aggregate, batch, rpc, the query builder and filter builders whose
 * escaping survives the server's parser.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createClient, f, q, TransportError, type CovaraClient } from "../../src/client/index.js";
import { openDb, serve, type TestDb, type TestServer, type Todo } from "./fixture.js";

describe("resource client", () => {
  let db: TestDb;
  let server: TestServer;
  let client: CovaraClient;
  const todos = () => client.resource<Todo, { complete: { input: { id: number }; output: { ok: boolean; id: number } } }>("/api/todos");

  beforeAll(async () => {
    db = openDb();
    server = await serve({ db });
    client = createClient({ baseUrl: server.origin });
  });
  afterAll(async () => {
    await server.close();
    db.close();
  });
  beforeEach(() => db.reset());

  it("creates, reads, updates, replaces and deletes a row", async () => {
    const created = await todos().create({ title: "milk", position: 1 });
    expect(created).toMatchObject({ id: 1, title: "milk", done: false, position: 1 });
    expect(await todos().get(created.id)).toEqual(created);
    const updated = await todos().update(created.id, { done: true });
    expect(updated).toMatchObject({ id: 1, title: "milk", done: true });
    const replaced = await todos().replace(created.id, { title: "oat milk", done: false, position: 2 });
    expect(replaced).toMatchObject({ id: 1, title: "oat milk", done: false, position: 2 });
    await expect(todos().delete(created.id)).resolves.toBeUndefined();
    const gone = await todos().get(created.id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(TransportError);
    expect((gone as TransportError).isNotFound()).toBe(true);
  });

  it("lists with filter, orderBy, limit, cursor pages and totalCount", async () => {
    await todos().batchCreate(Array.from({ length: 7 }, (_, i) => ({ title: `t${i}`, position: 7 - i, done: i % 2 === 0 })));
    const first = await todos().list({ filter: "done==true", orderBy: "position", limit: 2, totalCount: true });
    expect(first.items.map((t) => t.title)).toEqual(["t6", "t4"]);
    expect(first).toMatchObject({ hasMore: true, totalCount: 4 });
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await todos().list({ filter: "done==true", orderBy: "position", limit: 2, cursor: first.nextCursor });
    expect(second.items.map((t) => t.title)).toEqual(["t2", "t0"]);
    expect(second).toMatchObject({ hasMore: false, nextCursor: null });
    expect(second.totalCount).toBeUndefined();
    const descending = await todos().list({ orderBy: "-position", limit: 1 });
    expect(descending.items[0]!.title).toBe("t0");
  });

  it("returns only the selected fields", async () => {
    const { id } = await todos().create({ title: "a", priority: 3 });
    const page = await todos().list({ select: ["id", "title"] });
    expect(page.items).toEqual([{ id, title: "a" }]);
    expect(await todos().get(id, { select: ["priority"] })).toEqual({ priority: 3 });
  });

  it("counts and aggregates", async () => {
    await todos().batchCreate([
      { title: "a", done: true, priority: 1, position: 1 },
      { title: "b", done: true, priority: 3, position: 2 },
      { title: "c", done: false, priority: 5, position: 3 },
    ]);
    expect(await todos().count()).toBe(3);
    expect(await todos().count("done==true")).toBe(2);
    const result = await todos().aggregate({ groupBy: ["done"], count: true, sum: ["priority"], avg: ["priority"], min: ["title"], max: ["position"] });
    const byDone = Object.fromEntries(result.groups.map((g) => [String(g.key.done), g]));
    expect(byDone.true).toEqual({ key: { done: true }, count: 2, sum: { priority: 4 }, avg: { priority: 2 }, min: { title: "a" }, max: { position: 2 } });
    expect(byDone.false).toMatchObject({ count: 1, sum: { priority: 5 } });
  });

  it("runs batch updates and deletes by filter", async () => {
    const created = await todos().batchCreate([{ title: "a" }, { title: "b" }, { title: "c" }]);
    expect(created.map((t) => t.title)).toEqual(["a", "b", "c"]);
    expect(await todos().batchUpdate(q.in("title", ["a", "b"]), { done: true })).toEqual({ count: 2 });
    expect(await todos().batchDelete("done==true")).toEqual({ count: 2 });
    expect((await todos().list()).items.map((t) => t.title)).toEqual(["c"]);
  });

  it("calls procedures and unwraps their data", async () => {
    expect(await todos().rpc("complete", { id: 4 })).toEqual({ ok: true, id: 4 });
    const error = await todos().rpc("complete", { id: "x" as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe("VALIDATION_ERROR");
  });

  it("builds immutable queries that branch", async () => {
    await todos().batchCreate([
      { title: "a", done: true, position: 3 },
      { title: "b", done: false, position: 1 },
      { title: "c", done: true, position: 2 },
    ]);
    const base = todos().query().orderBy("position");
    const done = base.where("done==true");
    expect((await base.list()).items.map((t) => t.title)).toEqual(["b", "c", "a"]);
    expect((await done.select("title").list()).items).toEqual([{ title: "c" }, { title: "a" }]);
    expect(await done.first()).toMatchObject({ title: "c" });
    expect(await done.filter('title!="c"').count()).toBe(1);
    expect(await base.where('title=="zzz"').first()).toBeNull();
    const groups = (await base.groupBy("done").withCount().max("position").aggregate()).groups;
    expect(groups.find((g) => g.key.done)).toEqual({ key: { done: true }, count: 2, max: { position: 3 } });
    expect((await base.limit(1).withTotalCount().list()).totalCount).toBe(3);
  });

  it("filter builders escape values the server then matches exactly", async () => {
    const nasty = ['say "hi"', "back\\slash", 'a",title=="x', "semi;colon,comma", "paren)(", "100% _real_"];
    for (const title of nasty) await todos().create({ title });
    for (const title of nasty) {
      const page = await todos().list({ filter: q.eq("title", title) });
      expect(page.items.map((t) => t.title)).toEqual([title]);
    }
    const t = f<Todo>();
    expect((await todos().list({ filter: t.and(t.contains("title", '"'), t.neq("title", 'say "hi"')) })).items.map((x) => x.title)).toEqual(['a",title=="x']);
    expect(await todos().count(t.startsWith("title", "100%"))).toBe(1);
    expect(await todos().count(q.or(q.eq("title", "paren)("), q.eq("title", "back\\slash")))).toBe(2);
  });
});
