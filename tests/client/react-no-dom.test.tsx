/** @jsxImportSource react */
/**
 * `covara/client/react` in a runtime without a DOM (React Native, server rendering; spec 80 §8):
 * importing it touches no DOM global (each one is a trap while it loads), hooks render on the
 * server with their loading state, and the live list store behind them runs with no DOM at all
 * against a real server.
 */
import { renderToString } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as ReactEntry from "../../src/client/react/index.js";
import type * as ClientEntry from "../../src/client/index.js";
import { eventually, openDb, serve, writeThroughApp, type TestDb, type TestServer, type Todo } from "./fixture.js";

const DOM_GLOBALS = ["window", "document", "localStorage", "sessionStorage", "EventSource", "location", "navigator", "indexedDB", "BroadcastChannel", "XMLHttpRequest", "addEventListener"];

describe("covara/client/react without DOM globals", () => {
  let db: TestDb;
  let server: TestServer;
  let hooks: typeof ReactEntry;
  let core: typeof ClientEntry;
  const touched: string[] = [];
  const saved = new Map<string, PropertyDescriptor | undefined>();

  beforeAll(async () => {
    db = openDb();
    server = await serve({ db });
    for (const name of DOM_GLOBALS) {
      saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
      Object.defineProperty(globalThis, name, {
        configurable: true,
        get() {
          touched.push(name);
          throw new Error(`${name} touched at import time`);
        },
      });
    }
    try {
      hooks = await import("../../src/client/react/index.js");
      core = await import("../../src/client/index.js");
    } finally {
      for (const name of DOM_GLOBALS) delete (globalThis as Record<string, unknown>)[name];
    }
  });
  afterAll(async () => {
    for (const [name, descriptor] of saved) if (descriptor) Object.defineProperty(globalThis, name, descriptor);
    await server.close();
    db.close();
  });

  it("imports without touching any DOM global", () => {
    expect(touched).toEqual([]);
    expect(typeof hooks.useLiveList).toBe("function");
  });

  it("renders hooks on the server in their loading state", () => {
    core.createClient({ baseUrl: server.origin });
    const { useLiveList, useAuth } = hooks;
    function Todos() {
      const { statusLabel, items } = useLiveList<Todo>("/api/todos");
      const { status } = useAuth();
      return <p>{`${statusLabel} ${items.length} ${status}`}</p>;
    }
    expect(renderToString(<Todos />)).toBe("<p>Loading... 0 loading</p>");
  });

  it("runs a live list with no DOM", async () => {
    const client = core.createClient({ baseUrl: server.origin });
    await writeThroughApp(server.app, "POST", "/api/todos", { title: "a" });
    const list = hooks.createLiveQuery(client.resource<Todo>("/api/todos"), {}, {}, { client });
    try {
      await eventually(() => list.getSnapshot().status === "live");
      list.mutate.create({ title: "b" });
      await eventually(() => list.getSnapshot().items.map((t) => t.id).join() === "1,2");
      expect(list.getSnapshot().items.map((t) => t.title)).toEqual(["a", "b"]);
    } finally {
      list.destroy();
    }
  });
});
