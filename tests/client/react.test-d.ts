/**
 * Type tests of `covara/client/react` (spec 80 §7): `select` narrows live list items to
 * `Pick<T, K | "id">`, `mutate.create` returns the temporary id, mutation variables follow the
 * resource type, and auth hooks carry the user type. Checked by tsc; nothing here runs.
 */
import { describe, expectTypeOf, it } from "vitest";
import { createClient } from "../../src/client/index.js";
import {
  createLiveQuery,
  useAuth,
  useInfiniteList,
  useJWTAuth,
  useLiveAggregate,
  useLiveList,
  useMutation,
  type LiveQueryLike,
  type LiveSnapshot,
  type MutationVars,
} from "../../src/client/react/index.js";

interface Todo {
  id: number;
  title: string;
  done: boolean;
  position: number;
}

interface User {
  id: string;
  name: string;
}

const client = createClient({ baseUrl: "https://api.example.com" });

describe("live list types", () => {
  it("types items from the row type, narrowed by select", () => {
    expectTypeOf(useLiveList<Todo>("/api/todos").items).toEqualTypeOf<Todo[]>();
    expectTypeOf(useLiveList<Todo, "title">("/api/todos", { select: ["title"] }).items).toEqualTypeOf<Pick<Todo, "title" | "id">[]>();
    expectTypeOf(useLiveList(client.resource<Todo>("/api/todos")).items).toEqualTypeOf<Todo[]>();
    // @ts-expect-error: not a field of Todo
    useLiveList<Todo, "nope">("/api/todos", { select: ["nope"] });
    const narrowed = useLiveList<Todo, "title">("/api/todos", { select: ["title"] }).items[0]!;
    // @ts-expect-error: not selected
    void narrowed.done;
  });

  it("types mutate, status and paging", () => {
    const list = useLiveList<Todo>("/api/todos", { orderBy: "position", subscriptionMode: "sorted" });
    expectTypeOf(list.mutate.create({ title: "x" })).toBeString();
    expectTypeOf(list.mutate.update(1, { done: true })).resolves.toBeVoid();
    expectTypeOf(list.mutate.delete(1)).resolves.toBeVoid();
    expectTypeOf(list.status).toEqualTypeOf<"loading" | "live" | "reconnecting" | "offline" | "error">();
    // @ts-expect-error: not a mode
    useLiveList<Todo>("/api/todos", { subscriptionMode: "random" });
    const infinite = useInfiniteList<Todo>("/api/todos", { limit: 20 });
    expectTypeOf(infinite.fetchNextPage).returns.resolves.toBeVoid();
    expectTypeOf(infinite.hasNextPage).toBeBoolean();
  });

  it("accepts prepared queries and builds stores without React", () => {
    const prepared: LiveQueryLike<Todo> = { path: "/api/todos", query: { filter: "done==false", orderBy: "position" } };
    expectTypeOf(useLiveList(prepared).items).toEqualTypeOf<Todo[]>();
    const store = createLiveQuery(client.resource<Todo>("/api/todos"), { orderBy: "position" });
    expectTypeOf(store.getSnapshot()).toEqualTypeOf<LiveSnapshot<Todo>>();
  });
});

describe("other hook types", () => {
  it("types mutation variables and results", () => {
    const mutation = useMutation<Todo>("/api/todos");
    expectTypeOf(mutation.mutateAsync).parameter(0).toEqualTypeOf<MutationVars<Todo>>();
    expectTypeOf(mutation.data).toEqualTypeOf<Todo | undefined>();
    // @ts-expect-error: `update` needs an id
    mutation.mutate({ kind: "update", data: { done: true } });
    const custom = useMutation(async (id: number) => ({ ok: true, id }));
    expectTypeOf(custom.mutateAsync).parameter(0).toBeNumber();
    expectTypeOf(custom.data).toEqualTypeOf<{ ok: boolean; id: number } | undefined>();
  });

  it("types aggregates and auth users", () => {
    type Group = { key: { done: boolean }; count: number };
    expectTypeOf(useLiveAggregate<Group>("/api/todos", { groupBy: ["done"], count: true }).groups).toEqualTypeOf<Group[]>();
    expectTypeOf(useAuth<User>().user).toEqualTypeOf<User | null>();
    expectTypeOf(useAuth<User>().login).returns.resolves.toEqualTypeOf<User | null>();
    expectTypeOf(useJWTAuth<User>().user).toEqualTypeOf<User | null>();
    expectTypeOf(useJWTAuth<User>().signup).parameters.toEqualTypeOf<[string, string, (string | undefined)?]>();
  });
});
