/**
 * Type tests of `covara/client` (spec 80 §2–§3): `select` narrows results to `Pick<T, ...>`,
 * unselected fields are compile errors, aggregates are typed per call, `rpc` follows a procedure
 * map, and `f<T>()` checks fields and values. Checked by tsc (the `types` Vitest project and
 * `npm run typecheck`); nothing here runs.
 */
import { describe, expectTypeOf, it } from "vitest";
import {
  createClient,
  f,
  q,
  type AggregateResult,
  type JWTClient,
  type JWTUser,
  type ListResult,
  type ResourceClient,
  type Subscription,
} from "../../src/client/index.js";

interface Todo {
  id: number;
  title: string;
  done: boolean;
  priority: number | null;
  createdAt: string | null;
  tags: string[];
}

type Procedures = { complete: { input: { id: number }; output: { ok: boolean } } };

const client = createClient({ baseUrl: "https://api.example.com" });
const todos = client.resource<Todo, Procedures>("/api/todos");

describe("resource types", () => {
  it("returns whole rows without select", async () => {
    expectTypeOf(await todos.list()).toEqualTypeOf<ListResult<Todo>>();
    expectTypeOf(await todos.get(1)).toEqualTypeOf<Todo>();
    expectTypeOf(await todos.create({ title: "x" })).toEqualTypeOf<Todo>();
    expectTypeOf(todos.delete(1)).resolves.toBeVoid();
    expectTypeOf(await todos.count()).toBeNumber();
  });

  it("narrows to the selected fields, with or without `as const`", async () => {
    const page = await todos.list({ select: ["id", "title"] as const });
    expectTypeOf(page.items).toEqualTypeOf<Pick<Todo, "id" | "title">[]>();
    const inferred = await todos.list({ select: ["id", "title"], filter: q.eq("done", false) });
    expectTypeOf(inferred.items[0]!).toEqualTypeOf<Pick<Todo, "id" | "title">>();
    // @ts-expect-error `done` was not selected
    inferred.items[0]!.done;
    const one = await todos.get(1, { select: ["priority"] });
    expectTypeOf(one).toEqualTypeOf<Pick<Todo, "priority">>();
    // @ts-expect-error not a field of Todo
    await todos.list({ select: ["nope"] });
  });

  it("types the query builder's projections and results", async () => {
    const base = todos.query().where("done==false").orderBy("-priority");
    expectTypeOf(await base.list()).toEqualTypeOf<ListResult<Todo>>();
    const narrow = base.select("id", "title");
    expectTypeOf(await narrow.list()).toEqualTypeOf<ListResult<Pick<Todo, "id" | "title">>>();
    expectTypeOf(await narrow.first()).toEqualTypeOf<Pick<Todo, "id" | "title"> | null>();
    expectTypeOf(await narrow.get(1)).toEqualTypeOf<Pick<Todo, "id" | "title">>();
    // @ts-expect-error `done` was not selected
    (await narrow.first())?.done;
    // @ts-expect-error not a field of Todo
    base.select("nope");
  });

  it("types aggregate groups per call", async () => {
    const result = await todos.aggregate({ groupBy: ["done"], count: true, avg: ["priority"], max: ["createdAt"] });
    const group = result.groups[0]!;
    expectTypeOf(group.key).toEqualTypeOf<Pick<Todo, "done">>();
    expectTypeOf(group.count).toBeNumber();
    expectTypeOf(group.avg).toEqualTypeOf<{ priority?: number }>();
    expectTypeOf(group.max).toEqualTypeOf<{ createdAt?: string | null }>();
    // @ts-expect-error sum was not asked for
    group.sum;
    const ungrouped = (await todos.aggregate({ sum: ["priority"] })).groups[0]!;
    expectTypeOf(ungrouped.key).toBeNull();
    // @ts-expect-error count was not asked for
    ungrouped.count;
    // @ts-expect-error sum needs a numeric field
    await todos.aggregate({ sum: ["title"] });
    // @ts-expect-error min/max need a field with an order
    await todos.aggregate({ min: ["tags"] });

    const built = await todos.query().groupBy("done").withCount().sum("priority").aggregate();
    expectTypeOf(built).toEqualTypeOf<AggregateResult<{ key: Pick<Todo, "done"> } & { count: number } & { sum: { priority?: number } }>>();
    // @ts-expect-error sum needs a numeric field
    todos.query().sum("title");
  });

  it("checks procedure names and payloads against the map", async () => {
    expectTypeOf(await todos.rpc("complete", { id: 1 })).toEqualTypeOf<{ ok: boolean }>();
    // @ts-expect-error unknown procedure
    await todos.rpc("archive", { id: 1 });
    // @ts-expect-error wrong input type
    await todos.rpc("complete", { id: "1" });
    const loose = client.resource<Todo>("/api/todos");
    expectTypeOf(await loose.rpc<{ a: number }, { b: string }>("anything", { a: 1 })).toEqualTypeOf<{ b: string }>();
  });

  it("types subscription items and callbacks", () => {
    const sub = todos.subscribe({ filter: "done==false" }, {
      onAdded: (item, meta) => {
        expectTypeOf(item).toEqualTypeOf<Todo>();
        expectTypeOf(meta).toEqualTypeOf<{ optimisticId?: string } | undefined>();
      },
      onChanged: (item, previousObjectId) => {
        expectTypeOf(item).toEqualTypeOf<Todo>();
        expectTypeOf(previousObjectId).toEqualTypeOf<string | undefined>();
      },
      onRemoved: (id) => expectTypeOf(id).toBeString(),
      onConnected: (seq) => expectTypeOf(seq).toBeNumber(),
      onInvalidate: (reason) => expectTypeOf(reason).toEqualTypeOf<string | undefined>(),
    });
    expectTypeOf(sub).toEqualTypeOf<Subscription<Todo>>();
    expectTypeOf(sub.items).toEqualTypeOf<Todo[]>();
  });

  it("defaults to loosely typed rows without a type argument", async () => {
    const any = client.resource("/api/anything");
    const row = await any.get("x");
    expectTypeOf(row.id).toEqualTypeOf<string | number>();
    expectTypeOf(row.whatever).toBeUnknown();
    expectTypeOf(any).toMatchTypeOf<ResourceClient<{ id: string | number }>>();
  });
});

describe("filter builder types", () => {
  const t = f<Todo>();
  it("accepts fields of T with values of their type", () => {
    expectTypeOf(t.eq("done", false)).toBeString();
    expectTypeOf(t.eq("priority", null)).toBeString();
    expectTypeOf(t.in("title", ["a", "b"])).toBeString();
    expectTypeOf(t.gt("priority", 3)).toBeString();
    expectTypeOf(t.between("createdAt", "2024-01-01", "2024-12-31")).toBeString();
    expectTypeOf(t.ilike("title", "%milk%")).toBeString();
  });
  it("rejects unknown fields and mismatched values", () => {
    // @ts-expect-error not a field of Todo
    t.eq("nope", 1);
    // @ts-expect-error done is a boolean
    t.eq("done", "no");
    // @ts-expect-error like needs a text field
    t.like("priority", "1%");
    // @ts-expect-error booleans have no order
    t.gt("done", true);
  });
});

describe("client config and auth types", () => {
  it("accepts the spec's options", () => {
    createClient({ baseUrl: "/", credentials: "include", offline: true, timeout: 5000, parseDates: { "/api/todos": ["createdAt"] }, multiplex: false });
    createClient({ baseUrl: "/", jwt: { authPath: "/auth", storage: { getItem: async () => null, setItem: async () => {}, removeItem: async () => {} } } });
    // @ts-expect-error baseUrl is required
    createClient({});
  });
  it("types the JWT client", () => {
    const jwt = createClient({ baseUrl: "/", jwt: {} }).jwt!;
    expectTypeOf(jwt).toMatchTypeOf<JWTClient<unknown>>();
    expectTypeOf<JWTClient["login"]>().returns.resolves.toEqualTypeOf<JWTUser>();
  });
});
