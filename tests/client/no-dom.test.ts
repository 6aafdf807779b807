/**
 * React-Native-style runtime (spec 80 §8): `fetch` and nothing from the DOM. The client is
 * imported while every DOM global is a trap that throws when touched (so importing touches
 * none), then used with those globals absent: CRUD, a live subscription, and a JWT sign-in
 * whose default token storage falls back to memory. Nothing in this file imports the client
 * statically, so the import really happens after the traps are set.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as ClientModule from "../../src/client/index.js";
import { createJWTAdapter } from "../../src/auth/index.js";
import { eventually, openDb, serve, type TestDb, type TestServer, type Todo } from "./fixture.js";

const DOM_GLOBALS = ["window", "document", "localStorage", "sessionStorage", "EventSource", "location", "navigator", "indexedDB", "BroadcastChannel", "XMLHttpRequest", "addEventListener"];

describe("without DOM globals", () => {
  let db: TestDb;
  let server: TestServer;
  let client: typeof ClientModule;
  const touched: string[] = [];
  const saved = new Map<string, PropertyDescriptor | undefined>();

  beforeAll(async () => {
    db = openDb();
    const jwt = createJWTAdapter({
      jwt: { secret: "no-dom-test-secret-0123456789-abcdefghij" },
      getUserById: async (id) => (id === "u1" ? { id: "u1", email: "ada@example.com", name: "Ada" } : null),
      validatePassword: async (email, password) => (email === "ada@example.com" && password === "pw" ? { id: "u1", email, name: "Ada" } : null),
    });
    server = await serve({ db, configure: (app) => app.route("/api/auth", jwt.getRoutes()) });

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
      client = await import("../../src/client/index.js");
    } finally {
      // Now absent, as in React Native.
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
    expect(typeof client.createClient).toBe("function");
    for (const name of DOM_GLOBALS) expect(name in globalThis).toBe(false);
  });

  it("reads, writes and subscribes with fetch alone", async () => {
    const app = client.createClient({ baseUrl: `${server.origin}/api` });
    const todos = app.resource<Todo>("/todos");
    const added: string[] = [];
    const sub = todos.subscribe({}, { onAdded: (t) => added.push(t.title) });
    await eventually(() => sub.state.lastSeq > 0);
    const created = await todos.create({ title: "from a phone" });
    expect((await todos.list()).items).toEqual([created]);
    await eventually(() => added.length === 1);
    expect(added).toEqual(["from a phone"]);
    sub.unsubscribe();
    expect(() => app.loginWithSocial("github")).toThrow(/socialLoginUrl/);
    expect(client.createClient({ baseUrl: server.origin }).socialLoginUrl("github")).toBe(`${server.origin}/api/auth/social/github`);
  });

  it("streams through an EventSource polyfill given to setEventSourceConstructor", async () => {
    const app = client.createClient({ baseUrl: `${server.origin}/api` });
    const opened: { url: string; headers?: Record<string, string> }[] = [];
    // Shaped like react-native-sse: `new EventSource(url, { headers, withCredentials })`.
    class Polyfill extends client.FetchEventSource {
      constructor(url: string, init?: { headers?: Record<string, string>; withCredentials?: boolean }) {
        super(url, { fetch, headers: () => init?.headers ?? {} });
        opened.push({ url, headers: init?.headers });
      }
    }
    app.transport.setEventSourceConstructor(Polyfill);
    app.setAuthToken("token-1");
    const added: string[] = [];
    const sub = app.resource<Todo>("/todos").subscribe({ filter: 'title=="via polyfill"' }, { onAdded: (t) => added.push(t.title) });
    await eventually(() => sub.state.lastSeq > 0);
    await app.resource<Todo>("/todos").create({ title: "via polyfill" });
    await eventually(() => added.length === 1);
    sub.unsubscribe();
    expect(opened).toHaveLength(1);
    expect(opened[0]!.url).toContain("/api/todos/subscribe?filter=");
    expect(opened[0]!.headers).toMatchObject({ authorization: "Bearer token-1", accept: "text/event-stream" });
  });

  it("says what to do when fetch cannot stream, instead of retrying forever", async () => {
    // React Native's built-in fetch has no response body stream.
    const bodiless: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      await response.body?.cancel();
      return new Response(null, { status: response.status, headers: response.headers });
    };
    const app = client.createClient({ baseUrl: `${server.origin}/api`, fetch: bodiless });
    const errors: unknown[] = [];
    const sub = app.resource<Todo>("/todos").subscribe({}, { onError: (e) => errors.push(e) });
    await eventually(() => errors.length === 1);
    expect(errors[0]).toBeInstanceOf(client.StreamUnsupportedError);
    expect((errors[0] as Error).message).toMatch(/setEventSourceConstructor/);
    sub.unsubscribe();
  });

  it("signs in with JWT, keeping tokens in memory by default", async () => {
    const jwt = client.createJWTClient({ baseUrl: server.origin });
    await jwt.login("ada@example.com", "pw");
    expect(jwt.getState()).toMatchObject({ isAuthenticated: true, user: { id: "u1" } });
    expect(() => new client.JWTLocalStorageTokenStorage()).toThrow(/localStorage is not available/);
  });
});
