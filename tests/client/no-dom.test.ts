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

  it("signs in with JWT, keeping tokens in memory by default", async () => {
    const jwt = client.createJWTClient({ baseUrl: server.origin });
    await jwt.login("ada@example.com", "pw");
    expect(jwt.getState()).toMatchObject({ isAuthenticated: true, user: { id: "u1" } });
    expect(() => new client.JWTLocalStorageTokenStorage()).toThrow(/localStorage is not available/);
  });
});
