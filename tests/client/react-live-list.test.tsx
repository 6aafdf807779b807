// @vitest-environment happy-dom
/** @jsxImportSource react */
/**
 * `useLiveList` against a real Covara server over loopback (spec 80 §6.3, §7.1): the first page
 * renders, writes from another client arrive live, the component's own writes show at once and
 * are reconciled without duplicates, rejected writes roll back, lists with the same options share
 * one stream, `invalidate` refetches, and a prefetched list renders without a round trip.
 */
import { act, cleanup, render, renderHook, screen, waitFor } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { recordExternalMutation } from "../../src/index.js";
import { createClient, type CovaraClient } from "../../src/client/index.js";
import { sql } from "drizzle-orm";
import { useInvalidate, useLiveList } from "../../src/client/react/index.js";
import { openDb, serve, writeThroughApp, type TestDb, type TestServer, type Todo } from "./fixture.js";
import { pageAt, requestCounter, tick } from "./react-fixture.js";

describe("useLiveList", () => {
  let db: TestDb;
  let server: TestServer;
  let client: CovaraClient;
  let other: CovaraClient;
  const requests = requestCounter();

  const seed = async (...titles: string[]) => {
    for (const [i, title] of titles.entries()) await writeThroughApp(server.app, "POST", "/api/todos", { title, position: (i + 1) * 10 });
  };
  const titles = (items: readonly { title?: string }[]) => items.map((t) => t.title);
  const live = async (result: { current: { status: string } }) => waitFor(() => expect(result.current.status).toBe("live"));

  beforeAll(async () => {
    db = openDb();
    server = await serve({ db, covara: { middleware: [requests.middleware] } });
    pageAt(server.origin);
  });
  afterAll(async () => {
    await server.close();
    db.close();
  });
  beforeEach(() => {
    db.reset();
    requests.counts.clear();
    other = createClient({ baseUrl: server.origin }); // another user of the app
    client = createClient({ baseUrl: server.origin }); // registered last: the hooks use this one
  });
  afterEach(async () => {
    cleanup();
    await tick(5);
  });

  it("renders the first page in orderBy order and goes live", async () => {
    await seed("b", "a", "c");
    await other.resource<Todo>("/api/todos").update(1, { position: 50 });
    function Todos() {
      const { items, statusLabel, isLoading } = useLiveList<Todo>("/api/todos", { orderBy: "position" });
      if (isLoading) return <p>spinner</p>;
      return (
        <div>
          <p data-testid="status">{statusLabel}</p>
          <ul>{items.map((t) => <li key={t.id}>{t.title}</li>)}</ul>
        </div>
      );
    }
    render(<Todos />);
    expect(screen.getByText("spinner")).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId("status").textContent).toBe("Live"));
    expect(screen.getAllByRole("listitem").map((li) => li.textContent)).toEqual(["a", "c", "b"]);
    // The page, then once the stream is registered, the page again: what changed in between is not lost.
    expect(requests.count("GET /api/todos")).toBe(2);
    expect(requests.count("GET /api/todos/subscribe")).toBe(1);
  });

  it("shows creates, updates and deletes made by another client, in order", async () => {
    await seed("a", "b");
    const { result } = renderHook(() => useLiveList<Todo>("/api/todos", { orderBy: "position" }));
    await live(result);
    const todos = other.resource<Todo>("/api/todos");
    const created = await todos.create({ title: "between", position: 15 });
    await waitFor(() => expect(titles(result.current.items)).toEqual(["a", "between", "b"]));
    await todos.update(created.id, { position: 0, done: true });
    await waitFor(() => expect(titles(result.current.items)).toEqual(["between", "a", "b"]));
    expect(result.current.items[0]).toMatchObject({ id: created.id, done: true });
    await todos.delete(1);
    await waitFor(() => expect(titles(result.current.items)).toEqual(["between", "b"]));
    expect(result.current.totalCount).toBe(2);
  });

  it("shows its own create at once and replaces it by the server row, never twice", async () => {
    await seed("a");
    const { result } = renderHook(() => useLiveList<Todo>("/api/todos"));
    await live(result);
    const seen: string[][] = [];
    const watch = renderHook(() => useLiveList<Todo>("/api/todos"));
    const record = () => seen.push(watch.result.current.items.map((t) => String(t.id)));

    let temp = "";
    act(() => {
      temp = result.current.mutate.create({ title: "new" });
    });
    // O1: visible in the same tick, under a temporary id.
    expect(temp).toMatch(/^optimistic_\d+_[a-z0-9]{9}$/);
    expect(result.current.items.map((t) => [t.id, t.title])).toEqual([[1, "a"], [temp, "new"]]);
    expect(result.current.totalCount).toBe(2);
    await waitFor(() => {
      record();
      expect(result.current.items.map((t) => t.id)).toEqual([1, 2]);
    });
    // O2: never two rows for one create, whatever arrived first (the POST answer or the `added` event).
    for (const ids of seen) expect(ids.filter((id) => id === "2" || id === temp)).toHaveLength(1);
    expect(result.current.items[1]).toEqual(expect.objectContaining({ id: 2, title: "new", done: false, position: 0 }));
    expect(result.current.items[1]).not.toHaveProperty("_optimisticId");
    expect(result.current.totalCount).toBe(2);
    expect((await other.resource<Todo>("/api/todos").list()).items.map((t) => t.title)).toEqual(["a", "new"]);
  });

  it("applies its own update and delete at once, and the server and other clients agree", async () => {
    await seed("a", "b", "c");
    const { result } = renderHook(() => useLiveList<Todo>("/api/todos", { orderBy: "position" }));
    const watcher = other.resource<Todo>("/api/todos").subscribe({}, {});
    await live(result);

    let update!: Promise<void>;
    act(() => {
      update = result.current.mutate.update(1, { position: 100, title: "A" });
    });
    expect(titles(result.current.items)).toEqual(["b", "c", "A"]);
    let removal!: Promise<void>;
    act(() => {
      removal = result.current.mutate.delete(2);
    });
    expect(titles(result.current.items)).toEqual(["c", "A"]);
    expect(result.current.totalCount).toBe(2);
    await act(async () => {
      await Promise.all([update, removal]);
    });
    await waitFor(() => expect(watcher.items.map((t) => t.title).sort()).toEqual(["A", "c"]));
    watcher.unsubscribe();
    await tick(50);
    expect(titles(result.current.items)).toEqual(["c", "A"]);
    expect((await other.resource<Todo>("/api/todos").get(1)).position).toBe(100);
    expect(result.current.totalCount).toBe(2);
  });

  it("updates and deletes a row that is still being created", async () => {
    const { result } = renderHook(() => useLiveList<Todo>("/api/todos"));
    await live(result);
    let first = "";
    let second = "";
    act(() => {
      first = result.current.mutate.create({ title: "draft" });
      void result.current.mutate.update(first, { title: "final" });
      second = result.current.mutate.create({ title: "mistake" });
      void result.current.mutate.delete(second);
    });
    expect(titles(result.current.items)).toEqual(["final"]);
    await waitFor(async () => expect((await other.resource<Todo>("/api/todos").list()).items.map((t) => t.title)).toEqual(["final"]));
    await waitFor(() => expect(result.current.items.map((t) => [t.id, t.title])).toEqual([[1, "final"]]));
    expect(result.current.totalCount).toBe(1);
    expect(first).not.toBe(second);
  });

  it("rolls back a write the server rejects and reports it", async () => {
    await seed("a");
    const { result } = renderHook(() => useLiveList<Todo>("/api/todos"));
    await live(result);
    act(() => {
      result.current.mutate.create({ done: true }); // `title` is required
    });
    expect(result.current.items).toHaveLength(2);
    await waitFor(() => expect(result.current.items).toHaveLength(1));
    expect(result.current.error).toMatchObject({ status: 400 });
    expect(result.current.totalCount).toBe(1);

    let failed!: Promise<void>;
    act(() => {
      failed = result.current.mutate.delete(99);
    });
    // A delete of a row that is not there: the server says 404, which is what the user wanted.
    await act(async () => {
      await failed;
    });
    let rejected!: Promise<void>;
    act(() => {
      rejected = result.current.mutate.update(1, { title: null as unknown as string });
    });
    expect(result.current.items[0]!.title).toBeNull();
    await expect(rejected).rejects.toMatchObject({ status: 400 });
    await waitFor(() => expect(result.current.items[0]!.title).toBe("a"));
  });

  it("shares one live query between components with the same options, and ends it with the last", async () => {
    await seed("a");
    function Count({ label }: { label: string }) {
      const { items, status } = useLiveList<Todo>("/api/todos", { orderBy: "position", limit: 10 });
      return <p data-testid={label}>{`${status}:${items.length}`}</p>;
    }
    const view = render(
      <>
        <Count label="one" />
        <Count label="two" />
      </>,
    );
    await waitFor(() => expect([screen.getByTestId("one").textContent, screen.getByTestId("two").textContent]).toEqual(["live:1", "live:1"]));
    expect(client.queryCache.queries()).toHaveLength(1);
    expect(requests.count("GET /api/todos")).toBe(2);
    expect(requests.count("GET /api/todos/subscribe")).toBe(1);
    await other.resource<Todo>("/api/todos").create({ title: "b", position: 20 });
    await waitFor(() => expect(screen.getByTestId("two").textContent).toBe("live:2"));
    view.unmount();
    await tick(5);
    expect(client.queryCache.queries()).toHaveLength(0);
  });

  it("refetches on a server invalidate and on useInvalidate", async () => {
    await seed("a");
    const { result } = renderHook(() => ({ list: useLiveList<Todo>("/api/todos"), invalidate: useInvalidate() }));
    await waitFor(() => expect(result.current.list.status).toBe("live"));
    // A write the realtime layer never saw, announced as an external mutation: `invalidate` on the stream.
    db.db.run(sql`INSERT INTO todos (title, done, position) VALUES ('raw', 0, 90)`);
    await recordExternalMutation("todos", "create", { hub: server.hub });
    await waitFor(() => expect(titles(result.current.list.items)).toEqual(["a", "raw"]));
    await waitFor(() => expect(result.current.list.status).toBe("live"));
    expect(requests.count("GET /api/todos")).toBe(4); // page + check, twice
    expect(requests.count("GET /api/todos/subscribe")).toBe(2);

    db.db.run(sql`UPDATE todos SET title = 'quiet' WHERE title = 'raw'`);
    let matched = 0;
    act(() => {
      matched = result.current.invalidate("/api/todos");
    });
    expect(matched).toBe(1);
    await waitFor(() => expect(titles(result.current.list.items)).toEqual(["a", "quiet"]));
    expect(result.current.invalidate("/api/users")).toBe(0);
    // Still live after the refetch: the stream was kept.
    await other.resource<Todo>("/api/todos").create({ title: "after" });
    await waitFor(() => expect(titles(result.current.list.items)).toEqual(["a", "quiet", "after"]));
  });

  it("renders a prefetched list on its first render, then keeps it live", async () => {
    await seed("a", "b");
    const page = await client.prefetch<Todo>("/api/todos", { orderBy: "position" });
    expect(page.items.map((t) => t.title)).toEqual(["a", "b"]);
    const renders: string[][] = [];
    function Todos() {
      const { items, isLoading } = useLiveList<Todo>("/api/todos", { orderBy: "position" });
      renders.push(isLoading ? ["loading"] : items.map((t) => t.title));
      return null;
    }
    render(<Todos />);
    expect(renders[0]).toEqual(["a", "b"]);
    await other.resource<Todo>("/api/todos").create({ title: "c", position: 30 });
    await waitFor(() => expect(renders.at(-1)).toEqual(["a", "b", "c"]));
    expect(renders.every((r) => r[0] !== "loading")).toBe(true);
    // The live list took the prefetched page's place in the cache; its own first fetch refreshed it.
    expect(client.queryCache.queries()).toHaveLength(1);
  });

  it("keeps a strict window: rows sorting past the last loaded one wait for their page", async () => {
    await seed("a", "b", "c", "d");
    const { result } = renderHook(() => useLiveList<Todo>("/api/todos", { orderBy: "position", limit: 2 }));
    await live(result);
    expect(titles(result.current.items)).toEqual(["a", "b"]);
    expect([result.current.hasMore, result.current.totalCount]).toEqual([true, 4]);
    const todos = other.resource<Todo>("/api/todos");
    await todos.create({ title: "late", position: 50 });
    await todos.create({ title: "early", position: 0 });
    await waitFor(() => expect(titles(result.current.items)).toEqual(["early", "a", "b"]));
    await act(() => result.current.loadMore());
    expect(titles(result.current.items)).toEqual(["early", "a", "b", "c", "d"]);
    // Rows of the loaded page are live too (the stream resumed knowing them).
    await todos.update(4, { title: "D" });
    await todos.delete(3);
    await waitFor(() => expect(titles(result.current.items)).toEqual(["early", "a", "b", "D"]));
  });

  it("places new rows per subscription mode: prepend puts them first", async () => {
    await seed("a", "b");
    const { result } = renderHook(() => useLiveList<Todo>("/api/todos", { subscriptionMode: "prepend" }));
    await live(result);
    await other.resource<Todo>("/api/todos").create({ title: "newest", position: 99 });
    await waitFor(() => expect(titles(result.current.items)).toEqual(["newest", "a", "b"]));
    act(() => void result.current.mutate.create({ title: "mine" }));
    expect(titles(result.current.items)).toEqual(["mine", "newest", "a", "b"]);
    // The optimistic create is still in flight: let it land before the next test resets the table.
    await waitFor(async () => expect(await other.resource<Todo>("/api/todos").count()).toBe(4));
  });

  it("narrows items to the selected fields, events included", async () => {
    await seed("a");
    const { result } = renderHook(() => useLiveList<Todo, "title">("/api/todos", { select: ["title"] }));
    await live(result);
    expect(result.current.items).toEqual([{ id: 1, title: "a" }]);
    await other.resource<Todo>("/api/todos").create({ title: "b", priority: 3 });
    await waitFor(() => expect(result.current.items).toEqual([{ id: 1, title: "a" }, { id: 2, title: "b" }]));
  });

  it("reports a refused page as an error, and follows the browser's offline and online events", async () => {
    const bad = renderHook(() => useLiveList<Todo>("/api/todos", { filter: "nosuchfield==1" }));
    await waitFor(() => expect(bad.result.current.status).toBe("error"));
    expect(bad.result.current).toMatchObject({ statusLabel: "Error", error: { status: 400 }, isLoading: true });
    expect(requests.count("GET /api/todos")).toBe(1); // a 4xx is not retried

    await seed("a");
    const { result } = renderHook(() => useLiveList<Todo>("/api/todos"));
    await live(result);
    act(() => void window.dispatchEvent(new Event("offline")));
    expect(result.current).toMatchObject({ status: "offline", statusLabel: "Offline", isOffline: true });
    await other.resource<Todo>("/api/todos").create({ title: "meanwhile" });
    act(() => void window.dispatchEvent(new Event("online")));
    await live(result);
    await waitFor(() => expect(titles(result.current.items)).toEqual(["a", "meanwhile"]));
  });

  it("takes a prepared query, whose own options win, and a resource client", async () => {
    await seed("a", "b", "c");
    const prepared = { path: "/api/todos", query: { filter: "position>=20", orderBy: "-position" } };
    const { result } = renderHook(() => ({
      prepared: useLiveList<Todo>(prepared, { filter: "position<0", orderBy: "position" }),
      resource: useLiveList(client.resource<Todo>("/api/todos"), { filter: "position<=20" }),
    }));
    await waitFor(() => expect([result.current.prepared.status, result.current.resource.status]).toEqual(["live", "live"]));
    expect(titles(result.current.prepared.items)).toEqual(["c", "b"]);
    expect(titles(result.current.resource.items)).toEqual(["a", "b"]);
    await other.resource<Todo>("/api/todos").update(1, { position: 25 });
    await waitFor(() => expect(titles(result.current.prepared.items)).toEqual(["c", "a", "b"]));
    await waitFor(() => expect(titles(result.current.resource.items)).toEqual(["b"]));
  });

  it("does nothing while disabled", async () => {
    const { result, rerender } = renderHook(({ enabled }) => useLiveList<Todo>("/api/todos", { enabled }), { initialProps: { enabled: false } });
    await tick(30);
    expect(result.current).toMatchObject({ items: [], status: "loading", isLoading: true });
    expect(requests.count("GET /api/todos")).toBe(0);
    rerender({ enabled: true });
    await live(result);
    rerender({ enabled: false });
    expect(result.current.status).toBe("loading");
    await tick(5);
    expect(client.queryCache.queries()).toHaveLength(0);
  });
});
