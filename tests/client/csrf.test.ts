/**
 * The client echoes the server's CSRF cookie (spec 40 §12) on unsafe requests, as a page would:
 * a cookie-session app with `useAuth({ csrf: true })` and `createCsrfMiddleware()` in front of
 * its resources. The page's `document.cookie` is the cookie jar the browser-like fetch keeps.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MiddlewareHandler } from "hono";
import { cookieSession, createCsrfMiddleware, InMemorySessionStore, useAuth } from "../../src/auth/index.js";
import { createClient, TransportError, type CovaraClient } from "../../src/client/index.js";
import { openDb, serve, type TestDb, type TestServer, type Todo } from "./fixture.js";
import { cookieJarFetch, directory } from "./auth-fixture.js";

/** A page at `origin` whose cookies are `jar` (what `document.cookie` shows for a non-HttpOnly cookie). */
function page(origin: string, jar: Map<string, string>) {
  Object.defineProperty(globalThis, "document", {
    configurable: true,
    get: () => ({ cookie: [...jar].filter(([name]) => name === "csrf_token").map(([name, value]) => `${name}=${value}`).join("; ") }),
  });
  Object.defineProperty(globalThis, "location", { configurable: true, value: { origin } });
}

describe("CSRF double-submit from the client", () => {
  let db: TestDb;
  let server: TestServer;

  beforeAll(async () => {
    db = openDb();
    const dir = directory();
    const { router, middleware: sessions } = useAuth({
      session: cookieSession({ getUserById: dir.getUserById, store: new InMemorySessionStore() }),
      login: { validateCredentials: dir.validate },
      csrf: true,
    });
    const csrf = createCsrfMiddleware();
    const middleware: MiddlewareHandler = (c, next) =>
      sessions(c, async () => {
        await csrf(c, next);
      });
    server = await serve({ db, covara: { auth: { middleware, router } } });
  });
  afterEach(() => {
    delete (globalThis as { document?: unknown }).document;
    delete (globalThis as { location?: unknown }).location;
  });
  afterAll(async () => {
    await server.close();
    db.close();
  });

  const signedIn = async (options: { csrf?: false } = {}): Promise<CovaraClient> => {
    const jar = new Map<string, string>();
    page(server.origin, jar);
    const client = createClient({ baseUrl: server.origin, strategy: "cookie", fetch: cookieJarFetch(jar), ...options });
    // A fresh page reads something first (spec 40 §12): the safe request sets the token cookie.
    expect(await client.session.me()).toBeNull();
    expect(jar.has("csrf_token")).toBe(true);
    return client;
  };

  it("signs in and writes: unsafe requests carry the token cookie as X-CSRF-Token", async () => {
    const client = await signedIn();
    expect((await client.session.login("ada@example.com", "pw")).user).toMatchObject({ id: "u1" });
    const todos = client.resource<Todo>("/api/todos");
    const created = await todos.create({ title: "with token" });
    expect(await todos.update(created.id, { done: true })).toMatchObject({ done: true });
    await todos.delete(created.id);
    expect(await todos.count()).toBe(0);
    await client.session.logout();
  });

  it("with csrf: false the same writes are refused with 403 and change nothing", async () => {
    const client = await signedIn({ csrf: false });
    const login = (await client.session.login("ada@example.com", "pw").catch((e: unknown) => e)) as TransportError;
    expect(login).toBeInstanceOf(TransportError);
    expect(login.status).toBe(403);
    expect(await client.session.me()).toBeNull();
  });

  it("never sends the page's token to another origin", async () => {
    const sent: Headers[] = [];
    const spy: typeof fetch = async (input, init) => {
      sent.push(new Headers(init?.headers));
      return new Response("{}", { status: 201, headers: { "content-type": "application/json" } });
    };
    page("https://app.example", new Map([["csrf_token", "page-secret"]]));
    const elsewhere = createClient({ baseUrl: "https://api.third-party.example", fetch: spy });
    await elsewhere.resource<Todo>("/api/todos").create({ title: "x" });
    await elsewhere.transport.request({ method: "POST", path: "https://hooks.example.net/in", body: {} });
    const home = createClient({ baseUrl: "https://app.example/v1", fetch: spy });
    await home.resource<Todo>("/api/todos").create({ title: "y" });
    expect(sent.map((h) => h.get("x-csrf-token"))).toEqual([null, null, "page-secret"]);
  });

  it("a token that does not match the cookie is refused", async () => {
    const client = await signedIn();
    await client.session.login("ada@example.com", "pw");
    const forged = (await client.resource<Todo>("/api/todos").create({ title: "forged" }, { headers: { "X-CSRF-Token": "not-the-cookie" } }).catch((e: unknown) => e)) as TransportError;
    expect(forged.status).toBe(403);
    expect(await client.resource<Todo>("/api/todos").count()).toBe(0);
    await client.session.logout();
  });
});
