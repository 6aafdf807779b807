// @vitest-environment happy-dom
/** @jsxImportSource react */
/**
 * `useInfiniteList`, `useLiveAggregate` and `useMutation` against a real Covara server (spec 80
 * §7.1–§7.2): pages load on demand and stay live, aggregates are recomputed by the server on every
 * change, and mutations report their state and invalidate cached lists.
 */
import { act, cleanup, fireEvent, render, renderHook, screen, waitFor } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { createClient, type CovaraClient, type TransportError } from "../../src/client/index.js";
import { useInfiniteList, useLiveAggregate, useLiveList, useMutation } from "../../src/client/react/index.js";
import { openDb, serve, writeThroughApp, type TestDb, type TestServer, type Todo } from "./fixture.js";
import { pageAt, requestCounter, tick } from "./react-fixture.js";

describe("paging, aggregates and mutations", () => {
  let db: TestDb;
  let server: TestServer;
  let client: CovaraClient;
  let other: CovaraClient;
  const requests = requestCounter();

  beforeAll(async () => {
    db = openDb();
    server = await serve({ db, covara: { middleware: [requests.middleware] } });
    pageAt(server.origin);
  });
  afterAll(async () => {
    await server.close();
    db.close();
  });
  beforeEach(async () => {
    db.reset();
    requests.counts.clear();
    other = createClient({ baseUrl: server.origin });
    client = createClient({ baseUrl: server.origin });
  });
  afterEach(async () => {
    cleanup();
    await tick(5);
  });

  it("useInfiniteList fetches page after page, and every loaded row stays live", async () => {
    for (let i = 1; i <= 7; i++) await writeThroughApp(server.app, "POST", "/api/todos", { title: `t${i}`, position: i });
    function Feed() {
      const { items, hasNextPage, isFetchingNextPage, fetchNextPage, totalCount, status } = useInfiniteList<Todo>("/api/todos", { orderBy: "-position", limit: 3 });
      return (
        <div>
          <p data-testid="meta">{`${status} ${items.length}/${totalCount}`}</p>
          <ol>{items.map((t) => <li key={t.id}>{t.title}</li>)}</ol>
          {hasNextPage && (
            <button disabled={isFetchingNextPage} onClick={() => void fetchNextPage()}>
              more
            </button>
          )}
        </div>
      );
    }
    render(<Feed />);
    const shown = () => screen.getAllByRole("listitem").map((li) => li.textContent);
    await waitFor(() => expect(screen.getByTestId("meta").textContent).toBe("live 3/7"));
    expect(shown()).toEqual(["t7", "t6", "t5"]);
    fireEvent.click(screen.getByText("more"));
    await waitFor(() => expect(shown()).toEqual(["t7", "t6", "t5", "t4", "t3", "t2"]));
    fireEvent.click(screen.getByText("more"));
    await waitFor(() => expect(shown()).toHaveLength(7));
    expect(screen.queryByText("more")).toBeNull();

    // A row on the last page changes and another leaves; a new row sorts to the top.
    const todos = other.resource<Todo>("/api/todos");
    await todos.update(1, { title: "first" });
    await todos.delete(4);
    await todos.create({ title: "t8", position: 8 });
    await waitFor(() => expect(shown()).toEqual(["t8", "t7", "t6", "t5", "t3", "t2", "first"]));
    expect(screen.getByTestId("meta").textContent).toBe("live 7/7");
  });

  it("useLiveAggregate shows the server's groups and their recomputation on every change", async () => {
    await other.resource<Todo>("/api/todos").batchCreate([
      { title: "a", done: true, priority: 1 },
      { title: "b", done: false, priority: 5 },
    ]);
    type Group = { key: { done: boolean }; count: number; sum: { priority?: number } };
    function Stats() {
      const { groups, isLoading, isLive } = useLiveAggregate<Group>("/api/todos", { groupBy: ["done"], count: true, sum: ["priority"] });
      if (isLoading) return <p>counting</p>;
      const line = [...groups]
        .sort((x, y) => Number(x.key.done) - Number(y.key.done))
        .map((g) => `${g.key.done ? "done" : "open"}:${g.count}:${g.sum.priority ?? 0}`)
        .join(" ");
      return <p data-testid="stats">{`${isLive ? "live" : "stale"} ${line}`}</p>;
    }
    render(<Stats />);
    expect(screen.getByText("counting")).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId("stats").textContent).toBe("live open:1:5 done:1:1"));
    const todos = other.resource<Todo>("/api/todos");
    await todos.create({ title: "c", done: true, priority: 10 });
    await waitFor(() => expect(screen.getByTestId("stats").textContent).toBe("live open:1:5 done:2:11"));
    await todos.update(2, { done: true });
    await waitFor(() => expect(screen.getByTestId("stats").textContent).toBe("live done:3:16"));
  });

  it("useLiveAggregate with a filter, and `enabled: false` opens nothing", async () => {
    await other.resource<Todo>("/api/todos").batchCreate([{ title: "a", priority: 1 }, { title: "b", priority: 9 }]);
    const { result, rerender } = renderHook(({ enabled }) => useLiveAggregate<{ key: null; count: number }>("/api/todos", { filter: "priority>=5", count: true, enabled }), {
      initialProps: { enabled: false },
    });
    await tick(30);
    expect(result.current.status).toBe("loading");
    expect(requests.count("GET /api/todos/aggregate/subscribe")).toBe(0);
    rerender({ enabled: true });
    await waitFor(() => expect(result.current.groups).toEqual([{ key: null, count: 1 }]));
    await other.resource<Todo>("/api/todos").create({ title: "c", priority: 7 });
    await waitFor(() => expect(result.current.groups).toEqual([{ key: null, count: 2 }]));
    expect(result.current.data).toEqual({ groups: result.current.groups });
  });

  it("useMutation runs path mutations with their state, and invalidates cached lists", async () => {
    const order: string[] = [];
    const { result } = renderHook(() => ({
      list: useLiveList<Todo>("/api/todos", { orderBy: "position" }),
      mutation: useMutation<Todo>("/api/todos", {
        invalidates: "/api/todos",
        onSuccess: (data, vars) => order.push(`success:${vars.kind}:${data?.title ?? "-"}`),
        onError: (error, vars) => order.push(`error:${vars.kind}:${(error as TransportError).status}`),
        onSettled: (_data, error) => order.push(`settled:${error ? "error" : "ok"}`),
      }),
    }));
    await waitFor(() => expect(result.current.list.status).toBe("live"));
    expect(result.current.mutation.status).toBe("idle");

    let pending!: Promise<Todo | undefined>;
    act(() => {
      pending = result.current.mutation.mutateAsync({ kind: "create", data: { title: "via mutation", position: 1 } });
    });
    expect(result.current.mutation.isLoading).toBe(true);
    const created = await act(() => pending);
    expect(created).toMatchObject({ id: 1, title: "via mutation" });
    expect(result.current.mutation).toMatchObject({ status: "success", isSuccess: true, data: created, error: null });
    await waitFor(() => expect(result.current.list.items.map((t) => t.title)).toEqual(["via mutation"]));

    await act(() => result.current.mutation.mutateAsync({ kind: "update", id: 1, data: { done: true } }));
    await act(() => result.current.mutation.mutateAsync({ kind: "replace", id: 1, data: { title: "replaced", done: false, position: 2 } }));
    await waitFor(() => expect(result.current.list.items[0]).toMatchObject({ title: "replaced", done: false, position: 2 }));

    // `mutate` reports a failure through the state and onError, and does not throw.
    act(() => result.current.mutation.mutate({ kind: "update", id: 999, data: { title: "x" } }));
    await waitFor(() => expect(result.current.mutation.isError).toBe(true));
    expect((result.current.mutation.error as TransportError).status).toBe(404);
    act(() => result.current.mutation.reset());
    expect(result.current.mutation).toMatchObject({ status: "idle", error: null, data: undefined });

    // The list refetched after each success: a change no event announced still shows up.
    db.db.run(sql`UPDATE todos SET title = 'silent' WHERE id = 1`);
    await act(() => result.current.mutation.mutateAsync({ kind: "delete", id: 1 }).then(() => undefined));
    await waitFor(() => expect(result.current.list.items).toEqual([]));
    expect(order).toEqual([
      "success:create:via mutation",
      "settled:ok",
      "success:update:via mutation",
      "settled:ok",
      "success:replace:replaced",
      "settled:ok",
      "error:update:404",
      "settled:error",
      "success:delete:-",
      "settled:ok",
    ]);
  });

  it("useMutation with a custom function gets the resource and invalidate", async () => {
    await writeThroughApp(server.app, "POST", "/api/todos", { title: "a" });
    const { result } = renderHook(() =>
      useMutation(async (id: number, { resource, invalidate }) => {
        const output = await resource.rpc<{ id: number }, { ok: boolean; id: number }>("complete", { id });
        await resource.update(id, { done: true });
        return { ...output, refetched: invalidate("/api/todos") };
      }, { resource: "/api/todos" }),
    );
    const output = await act(() => result.current.mutateAsync(1));
    expect(output).toEqual({ ok: true, id: 1, refetched: 0 });
    expect(result.current.data).toEqual(output);
    expect((await other.resource<Todo>("/api/todos").get(1)).done).toBe(true);
  });
});
