/**
 * Client auth against real servers (spec 80 §4.4, §5): the JWT client on `createJWTAdapter`
 * (login, signup, logout, persisted tokens in sync and AsyncStorage-shaped storage), 401
 * refresh-and-retry for requests and subscriptions, bearer tokens, API keys verified by the
 * server, cookie sessions through `useAuth`, and strategy auto-detection.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MiddlewareHandler } from "hono";
import { cookieSession, createApiKey, createJWTAdapter, InMemoryApiKeyStore, InMemorySessionStore, jwtSession, useAuth, verifyApiKey } from "../../src/auth/index.js";
import { createClient, createJWTClient, JWTMemoryTokenStorage, resolveAuthStrategy, TransportError, type AsyncStorageLike } from "../../src/client/index.js";
import { eventually, openDb, serve, type TestDb, type TestServer, type Todo } from "./fixture.js";
import { cookieJarFetch, directory } from "./auth-fixture.js";

const SECRET = "client-auth-test-secret-0123456789-abcdef";

/** Counts requests per path (refreshes, retries). */
function counter(): { counts: Map<string, number>; middleware: MiddlewareHandler } {
  const counts = new Map<string, number>();
  return {
    counts,
    middleware: async (c, next) => {
      counts.set(c.req.path, (counts.get(c.req.path) ?? 0) + 1);
      await next();
    },
  };
}

/** A Map-backed store shaped like React Native's AsyncStorage: every call is asynchronous. */
function asyncStorage(): AsyncStorageLike & { values: Map<string, string> } {
  const values = new Map<string, string>();
  const later = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 5));
  return {
    values,
    getItem: (key) => later(values.get(key) ?? null),
    setItem: async (key, value) => void (await later(values.set(key, value))),
    removeItem: async (key) => void (await later(values.delete(key))),
  };
}

describe("JWT client", () => {
  let db: TestDb;
  let server: TestServer;
  const requests = counter();

  beforeAll(async () => {
    db = openDb();
    const dir = directory();
    const jwt = createJWTAdapter({
      jwt: { secret: SECRET, accessTokenTtl: 1, clockTolerance: 0 },
      getUserById: dir.getUserById,
      validatePassword: dir.validate,
      createUser: dir.create,
      refreshTokenStore: true,
    });
    server = await serve({
      db,
      covara: { middleware: [requests.middleware], auth: { middleware: jwt.middleware, router: jwt.getRoutes() } },
      configure(app) {
        app.get("/api/always-401", (c) => c.json({ type: "/__covara/problems/unauthorized", title: "Unauthorized", status: 401, detail: "never", code: "UNAUTHORIZED" }, 401));
      },
    });
  });
  afterAll(async () => {
    await server.close();
    db.close();
  });
  beforeEach(() => {
    db.reset();
    requests.counts.clear();
  });

  it("logs in, sends the access token, persists it, and logs out", async () => {
    const storage = new JWTMemoryTokenStorage();
    const client = createClient({ baseUrl: server.origin, jwt: { storage } });
    const anonymous = await client.resource<Todo>("/api/todos").list().catch((e: unknown) => e);
    expect((anonymous as TransportError).status).toBe(401);

    const user = await client.jwt!.login("ada@example.com", "pw");
    expect(user).toMatchObject({ id: "u1", email: "ada@example.com", name: "Ada" });
    expect(client.jwt!.getState()).toMatchObject({ isAuthenticated: true, isLoading: false, user: { id: "u1" } });
    expect(storage.get("accessToken")).toBe(client.jwt!.getAccessToken());
    expect(JSON.parse(storage.get("user")!)).toMatchObject({ id: "u1" });
    expect(await client.resource<Todo>("/api/todos").create({ title: "mine" })).toMatchObject({ title: "mine" });
    expect((await client.checkAuth<{ id: string }>()).user).toMatchObject({ id: "u1" });

    await client.jwt!.logout();
    expect(client.jwt!.isAuthenticated()).toBe(false);
    expect(storage.get("accessToken")).toBeNull();
    expect(((await client.resource<Todo>("/api/todos").list().catch((e: unknown) => e)) as TransportError).status).toBe(401);
    expect(await client.checkAuth()).toEqual({ user: null });
  });

  it("signs up, and reports a bad password with the server's message", async () => {
    const jwt = createJWTClient({ baseUrl: server.origin, storage: new JWTMemoryTokenStorage() });
    const user = await jwt.signup("new@example.com", "secret", "Newton");
    expect(user).toMatchObject({ email: "new@example.com", name: "Newton" });
    expect(jwt.isAuthenticated()).toBe(true);
    const error = (await createJWTClient({ baseUrl: server.origin, storage: new JWTMemoryTokenStorage() }).login("ada@example.com", "wrong").catch((e: unknown) => e)) as TransportError;
    expect([error.status, error.message]).toEqual([401, "Invalid email or password"]);
  });

  it("refreshes an expired access token once and retries, for concurrent requests too", async () => {
    const client = createClient({ baseUrl: server.origin, jwt: { storage: new JWTMemoryTokenStorage() } });
    await client.jwt!.login("ada@example.com", "pw");
    const before = client.jwt!.getAccessToken();
    await new Promise((resolve) => setTimeout(resolve, 2100)); // accessTokenTtl is 1 s
    const todos = client.resource<Todo>("/api/todos");
    const pages = await Promise.all([todos.list(), todos.count(), todos.list({ limit: 1 })]);
    expect(pages[1]).toBe(0);
    expect(requests.counts.get("/api/auth/refresh")).toBe(1);
    expect(requests.counts.get("/api/todos")).toBe(4); // two lists, each sent twice
    expect(client.jwt!.getAccessToken()).not.toBe(before);
  });

  it("restores tokens from AsyncStorage-shaped storage, refreshing with the stored refresh token", async () => {
    const storage = asyncStorage();
    const first = createJWTClient({ baseUrl: server.origin, storage });
    await first.login("ada@example.com", "pw");
    expect(storage.values.get("covara_jwt_accessToken")).toBe(first.getAccessToken());
    expect(storage.values.get("covara_jwt_refreshToken")).toEqual(expect.any(String));

    // An app restart whose stored access token no longer works.
    storage.values.set("covara_jwt_accessToken", "not.a.token");
    const client = createClient({ baseUrl: server.origin, jwt: { storage } });
    expect(client.jwt!.getState().isLoading).toBe(true);
    await client.jwt!.ready;
    expect(client.jwt!.getState()).toMatchObject({ isLoading: false, isAuthenticated: true, user: { id: "u1" } });
    expect(await client.resource<Todo>("/api/todos").count()).toBe(0);
    expect(requests.counts.get("/api/auth/refresh")).toBe(1);
    expect(storage.values.get("covara_jwt_accessToken")).toBe(client.jwt!.getAccessToken());
  });

  it("throws the original 401 when the refresh fails, and never retries twice", async () => {
    const storage = new JWTMemoryTokenStorage();
    storage.set("accessToken", "not.a.token");
    storage.set("refreshToken", "not.a.refresh.token");
    const client = createClient({ baseUrl: server.origin, jwt: { storage } });
    const error = (await client.resource<Todo>("/api/todos").list().catch((e: unknown) => e)) as TransportError;
    expect([error.status, error.code]).toEqual([401, "UNAUTHORIZED"]);
    expect(client.jwt!.isAuthenticated()).toBe(false); // the refused refresh token ended the session

    const fresh = createClient({ baseUrl: server.origin, jwt: { storage: new JWTMemoryTokenStorage() } });
    await fresh.jwt!.login("ada@example.com", "pw");
    requests.counts.clear();
    const again = (await fresh.transport.request({ path: "/api/always-401" }).catch((e: unknown) => e)) as TransportError;
    expect(again.status).toBe(401);
    expect(requests.counts.get("/api/always-401")).toBe(2);
    expect(requests.counts.get("/api/auth/refresh")).toBe(1);
  });

  it("does not try to refresh for a client without a signed-in JWT client", async () => {
    const client = createClient({ baseUrl: server.origin });
    expect(((await client.transport.request({ path: "/api/always-401" }).catch((e: unknown) => e)) as TransportError).status).toBe(401);
    expect(requests.counts.get("/api/always-401")).toBe(1);
    expect(requests.counts.get("/api/auth/refresh")).toBeUndefined();
  });

  it("refreshes a subscription refused with 401, and hands a final 401 to the auth error handler", async () => {
    const storage = new JWTMemoryTokenStorage();
    const client = createClient({ baseUrl: server.origin, jwt: { storage } });
    await client.jwt!.login("ada@example.com", "pw");
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const connected: number[] = [];
    const sub = client.resource<Todo>("/api/todos").subscribe({}, { onConnected: (seq) => connected.push(seq) });
    await eventually(() => connected.length === 1);
    sub.unsubscribe();
    expect(requests.counts.get("/api/todos/subscribe")).toBe(2);

    const handled: TransportError[] = [];
    const errors: unknown[] = [];
    const outsider = createClient({ baseUrl: server.origin });
    outsider.setAuthErrorHandler((e) => handled.push(e));
    outsider.resource<Todo>("/api/todos").subscribe({}, { onError: (e) => errors.push(e) });
    await eventually(() => errors.length === 1);
    expect(handled).toHaveLength(1);
    expect(handled[0]).toBe(errors[0]);
    expect(handled[0]!.status).toBe(401);
  });
});

describe("bearer, API key and cookie strategies", () => {
  let db: TestDb;
  let server: TestServer;
  let key: string;
  const keys = new InMemoryApiKeyStore();

  beforeAll(async () => {
    db = openDb();
    ({ key } = await createApiKey({ store: keys, userId: "u1", label: "CI" }));
    const dir = directory();
    const { router, middleware: sessions } = useAuth({
      session: cookieSession({ getUserById: dir.getUserById, store: new InMemorySessionStore() }),
      login: { validateCredentials: dir.validate },
    });
    // API keys first, then cookie sessions: both set the request user the way adapters do.
    const middleware: MiddlewareHandler = async (c, next) => {
      const apiKey = c.req.header("x-api-key");
      if (apiKey) {
        const result = await verifyApiKey(apiKey, { store: keys });
        c.set("user" as never, (result.valid ? { id: result.metadata.userId } : null) as never);
        return next();
      }
      if (c.req.header("authorization") === "Bearer static-token") {
        c.set("user" as never, { id: "service" } as never);
        return next();
      }
      return sessions(c, next);
    };
    server = await serve({ db, covara: { auth: { middleware, router } } });
  });
  afterAll(async () => {
    await server.close();
    db.close();
  });

  it("sends a fixed bearer token", async () => {
    const client = createClient({ baseUrl: server.origin, token: "static-token" });
    expect(await client.resource<Todo>("/api/todos").count()).toBe(0);
  });

  it("sends an API key as X-API-Key", async () => {
    const client = createClient({ baseUrl: server.origin, apiKey: key });
    expect(await client.resource<Todo>("/api/todos").count()).toBe(0);
    const wrong = createClient({ baseUrl: server.origin, apiKey: `${key.slice(0, -2)}xx` });
    expect(((await wrong.resource<Todo>("/api/todos").count().catch((e: unknown) => e)) as TransportError).status).toBe(401);
  });

  it("signs in with a cookie session and sends the cookie", async () => {
    const client = createClient({ baseUrl: server.origin, strategy: "cookie", fetch: cookieJarFetch() });
    expect(client.transport.credentials).toBe("include");
    expect(await client.session.me()).toBeNull();
    const { user } = await client.session.login("ada@example.com", "pw");
    expect(user).toMatchObject({ id: "u1" });
    expect(await client.session.me()).toMatchObject({ id: "u1", email: "ada@example.com" });
    expect(await client.checkAuth()).toMatchObject({ user: { id: "u1" }, expiresAt: expect.any(String) });
    expect(await client.resource<Todo>("/api/todos").create({ title: "cookie" })).toMatchObject({ title: "cookie" });
    await client.session.logout();
    expect(((await client.resource<Todo>("/api/todos").count().catch((e: unknown) => e)) as TransportError).status).toBe(401);
  });

  it("auto-detects the strategy in the spec's order", () => {
    const signedIn = { isAuthenticated: () => true, getAccessToken: () => "t" };
    const holding = { isAuthenticated: () => false, getAccessToken: () => "t" };
    const signedOut = { isAuthenticated: () => false, getAccessToken: () => null };
    expect(resolveAuthStrategy({ token: "x", apiKey: "k", jwt: signedIn })).toBe("bearer");
    expect(resolveAuthStrategy({ apiKey: "k", jwt: signedIn })).toBe("apiKey");
    expect(resolveAuthStrategy({ jwt: signedIn })).toBe("jwt");
    expect(resolveAuthStrategy({ jwt: holding })).toBe("jwt");
    expect(resolveAuthStrategy({ jwt: signedOut, oidc: { isAuthenticated: () => true } })).toBe("jwt");
    expect(resolveAuthStrategy({ jwt: signedOut })).toBe("cookie");
    expect(resolveAuthStrategy({ strategy: "apiKey", token: "x" })).toBe("apiKey");
  });
});

describe("session routes with the JWT session strategy", () => {
  let db: TestDb;
  let server: TestServer;

  beforeAll(async () => {
    db = openDb();
    const dir = directory();
    const auth = useAuth({ session: jwtSession({ getUserById: dir.getUserById, secret: SECRET }), login: { validateCredentials: dir.validate } });
    server = await serve({ db, covara: { auth } });
  });
  afterAll(async () => {
    await server.close();
    db.close();
  });

  it("sends the access token of the login answer as a bearer, until logout", async () => {
    const client = createClient({ baseUrl: server.origin }); // Node's fetch keeps no cookies
    const answer = await client.session.login("ada@example.com", "pw");
    expect(answer).toMatchObject({ user: { id: "u1" }, accessToken: expect.any(String), tokenType: "Bearer" });
    expect(client.transport.getHeaders().authorization).toBe(`Bearer ${answer.accessToken}`);
    expect(await client.resource<Todo>("/api/todos").count()).toBe(0);
    expect(await client.session.me()).toMatchObject({ id: "u1" });
    await client.session.logout();
    expect(client.transport.getHeaders().authorization).toBeUndefined();
    expect(((await client.resource<Todo>("/api/todos").count().catch((e: unknown) => e)) as TransportError).status).toBe(401);
  });
});
