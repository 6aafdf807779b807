// @vitest-environment happy-dom
/** @jsxImportSource react */
/**
 * `useAuth` and `useJWTAuth` against Covara's real auth routes (spec 80 §5, §7.3): cookie
 * sessions (happy-dom's fetch keeps cookies like a browser), the JWT session strategy, a fixed
 * bearer token and an API key, the `jwt` strategy mirroring the client's JWT client, and
 * `initJWTClient` with an AsyncStorage-shaped storage. State is shared by identity.
 */
import { act, cleanup, fireEvent, render, renderHook, screen, waitFor } from "@testing-library/react";
import type { MiddlewareHandler } from "hono";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cookieSession, createApiKey, createJWTAdapter, InMemoryApiKeyStore, InMemorySessionStore, jwtSession, useAuth as serverAuth, verifyApiKey } from "../../src/auth/index.js";
import { createClient, JWTMemoryTokenStorage, type AsyncStorageLike, type TransportError } from "../../src/client/index.js";
import { getJWTClient, initJWTClient, useAuth, useJWTAuth, useLiveList } from "../../src/client/react/index.js";
import { openDb, serve, type TestDb, type TestServer, type Todo } from "./fixture.js";
import { pageAt, tick } from "./react-fixture.js";
import { directory } from "./auth-fixture.js";

const SECRET = "react-auth-test-secret-0123456789-abcdef";

interface User {
  id: string;
  email: string | null;
  name: string | null;
}

const forgetGlobals = () => {
  delete (globalThis as { __covaraJWTClient?: unknown }).__covaraJWTClient;
  delete (globalThis as { __covaraClient?: unknown }).__covaraClient;
  localStorage.clear();
};

describe("useAuth with cookie sessions, bearer tokens and API keys", () => {
  let db: TestDb;
  let server: TestServer;
  let apiKey: string;
  const tokens: { identifier: string; token: string }[] = [];
  const verified: string[] = [];

  beforeAll(async () => {
    db = openDb();
    const dir = directory();
    const keys = new InMemoryApiKeyStore();
    ({ key: apiKey } = await createApiKey({ store: keys, userId: "u1", label: "CI" }));
    const { router, middleware: sessions } = serverAuth({
      session: cookieSession({ getUserById: dir.getUserById, store: new InMemorySessionStore() }),
      login: { validateCredentials: dir.validate },
      signup: { createUser: dir.create },
      verification: { sendToken: (m) => void tokens.push({ identifier: m.identifier, token: m.token }), markVerified: (email) => void verified.push(email) },
    });
    // API keys and a fixed service token first, then cookie sessions (as adapters chain).
    const middleware: MiddlewareHandler = async (c, next) => {
      const key = c.req.header("x-api-key");
      if (key) {
        const result = await verifyApiKey(key, { store: keys });
        c.set("user" as never, (result.valid ? { id: result.metadata.userId, name: "Key holder" } : null) as never);
        return next();
      }
      if (c.req.header("authorization") === "Bearer static-token") {
        c.set("user" as never, { id: "service", name: "Service" } as never);
        return next();
      }
      return sessions(c, next);
    };
    server = await serve({
      db,
      covara: { auth: { middleware, router } },
      configure: (app) => app.get("/api/whoami", (c) => c.json({ user: c.get("user" as never) ?? null })),
    });
    pageAt(server.origin);
  });
  afterAll(async () => {
    await server.close();
    db.close();
  });
  beforeEach(() => {
    forgetGlobals();
    createClient({ baseUrl: server.origin, credentials: "include" });
  });
  afterEach(async () => {
    cleanup();
    await tick(5);
  });

  it("signs in through one component and every other one follows; the cookie then opens the API", async () => {
    function Badge({ label }: { label: string }) {
      const { user, status } = useAuth<User>();
      return <p data-testid={label}>{`${status}:${user?.name ?? "-"}`}</p>;
    }
    function LoginButton() {
      const { login, logout, isAuthenticated } = useAuth<User>();
      return isAuthenticated ? <button onClick={() => void logout()}>out</button> : <button onClick={() => void login("ada@example.com", "pw")}>in</button>;
    }
    function Todos() {
      const { isAuthenticated } = useAuth();
      const { items, status } = useLiveList<Todo>("/api/todos", { enabled: isAuthenticated });
      return <p data-testid="todos">{`${status}:${items.length}`}</p>;
    }
    render(
      <>
        <Badge label="header" />
        <Badge label="sidebar" />
        <LoginButton />
        <Todos />
      </>,
    );
    expect(screen.getByTestId("header").textContent).toBe("loading:-");
    await waitFor(() => expect(screen.getByTestId("header").textContent).toBe("unauthenticated:-"));
    fireEvent.click(screen.getByText("in"));
    await waitFor(() => expect(screen.getByTestId("sidebar").textContent).toBe("authenticated:Ada"));
    expect(screen.getByTestId("header").textContent).toBe("authenticated:Ada");
    // The session cookie now travels with the live list's requests and stream.
    await waitFor(() => expect(screen.getByTestId("todos").textContent).toBe("live:0"));
    fireEvent.click(screen.getByText("out"));
    await waitFor(() => expect(screen.getByTestId("header").textContent).toBe("unauthenticated:-"));
    expect(screen.getByTestId("sidebar").textContent).toBe("unauthenticated:-");
    const refused = (await createClient({ baseUrl: server.origin, credentials: "include" }).resource("/api/todos").list().catch((e: unknown) => e)) as TransportError;
    expect(refused.status).toBe(401);
  });

  it("reports a wrong password with the server's message, signs up, and verifies an email", async () => {
    const { result } = renderHook(() => useAuth<User>());
    await waitFor(() => expect(result.current.status).toBe("unauthenticated"));
    await expect(result.current.login("ada@example.com", "wrong")).rejects.toThrow("Invalid email or password");
    expect(result.current.isAuthenticated).toBe(false);

    const user = await act(() => result.current.signup({ email: "new@example.com", password: "secret", name: "Newton" }));
    expect(user).toMatchObject({ email: "new@example.com", name: "Newton" });
    expect(result.current).toMatchObject({ status: "authenticated", user: { name: "Newton" }, accessToken: null });

    await act(() => result.current.requestEmailVerification("new@example.com"));
    expect(tokens.at(-1)?.identifier).toBe("new@example.com");
    await act(() => result.current.confirmEmail("new@example.com", tokens.at(-1)!.token));
    expect(verified).toEqual(["new@example.com"]);
    await expect(result.current.confirmEmail("new@example.com", "not-the-token")).rejects.toMatchObject({ status: 400 });

    await act(() => result.current.logout());
    expect(result.current.status).toBe("unauthenticated");
    await act(() => result.current.refetch());
    expect(result.current.user).toBeNull();
  });

  it("uses a fixed bearer token or an API key when given, each its own identity", async () => {
    const { result } = renderHook(() => ({
      bearer: useAuth<User>({ token: "static-token", checkUrl: "/api/whoami" }),
      key: useAuth<User>({ apiKey, checkUrl: "/api/whoami" }),
      cookie: useAuth<User>({ checkUrl: "/api/whoami" }),
    }));
    await waitFor(() => expect([result.current.bearer.status, result.current.key.status, result.current.cookie.status]).toEqual(["authenticated", "authenticated", "unauthenticated"]));
    expect(result.current.bearer).toMatchObject({ user: { id: "service" }, accessToken: "static-token" });
    expect(result.current.key.user).toMatchObject({ id: "u1", name: "Key holder" });
  });

  it("navigates to the social login route below the page origin", () => {
    const { result } = renderHook(() => useAuth({ socialBasePath: "/api/auth/social/" }));
    const assigned: string[] = [];
    const original = window.location.assign;
    window.location.assign = ((url: string) => void assigned.push(url)) as typeof window.location.assign;
    try {
      result.current.signInWith("github");
    } finally {
      window.location.assign = original;
    }
    expect(assigned).toEqual([`${server.origin}/api/auth/social/github`]);
  });
});

describe("useAuth with the JWT session strategy", () => {
  let db: TestDb;
  let server: TestServer;

  beforeAll(async () => {
    db = openDb();
    const dir = directory();
    server = await serve({ db, covara: { auth: serverAuth({ session: jwtSession({ getUserById: dir.getUserById, secret: SECRET }), login: { validateCredentials: dir.validate } }) } });
    pageAt(server.origin);
  });
  afterAll(async () => {
    await server.close();
    db.close();
  });
  afterEach(async () => {
    cleanup();
    await tick(5);
  });

  it("captures the login answer's access token for the hook and the client, until logout", async () => {
    forgetGlobals();
    const client = createClient({ baseUrl: server.origin });
    const { result } = renderHook(() => useAuth<User>());
    await waitFor(() => expect(result.current.status).toBe("unauthenticated"));
    await act(() => result.current.login("ada@example.com", "pw"));
    expect(result.current).toMatchObject({ status: "authenticated", user: { id: "u1" }, accessToken: expect.any(String) });
    expect(client.transport.getHeaders().authorization).toBe(`Bearer ${result.current.accessToken}`);
    expect(await client.resource<Todo>("/api/todos").count()).toBe(0);
    await act(() => result.current.logout());
    expect(result.current).toMatchObject({ status: "unauthenticated", accessToken: null });
    expect(client.transport.getHeaders().authorization).toBeUndefined();
  });
});

describe("JWT clients: useAuth({ strategy: 'jwt' }) and useJWTAuth", () => {
  let db: TestDb;
  let server: TestServer;

  beforeAll(async () => {
    db = openDb();
    const dir = directory();
    const jwt = createJWTAdapter({ jwt: { secret: SECRET }, getUserById: dir.getUserById, validatePassword: dir.validate, createUser: dir.create, refreshTokenStore: true });
    server = await serve({ db, covara: { auth: { middleware: jwt.middleware, router: jwt.getRoutes() } } });
    pageAt(server.origin);
  });
  afterAll(async () => {
    await server.close();
    db.close();
  });
  beforeEach(() => forgetGlobals());
  afterEach(async () => {
    cleanup();
    await tick(5);
  });

  it("mirrors the client's JWT client, and useJWTAuth finds that client", async () => {
    const client = createClient({ baseUrl: server.origin, jwt: { storage: new JWTMemoryTokenStorage() } });
    const { result } = renderHook(() => ({ auth: useAuth<User>({ strategy: "jwt" }), jwt: useJWTAuth<User>() }));
    await waitFor(() => expect(result.current.auth.status).toBe("unauthenticated"));
    expect(getJWTClient()).toBe(client.jwt);
    await act(() => result.current.auth.login("ada@example.com", "pw"));
    expect(result.current.auth).toMatchObject({ status: "authenticated", user: { id: "u1" }, accessToken: client.jwt!.getAccessToken() });
    expect(result.current.jwt).toMatchObject({ isAuthenticated: true, user: { id: "u1", name: "Ada" } });
    expect(await client.resource<Todo>("/api/todos").count()).toBe(0);
    await act(() => result.current.jwt.logout());
    expect(result.current.auth.status).toBe("unauthenticated");
    expect(client.jwt!.isAuthenticated()).toBe(false);
  });

  it("initJWTClient makes one client per page; useJWTAuth signs up, refreshes and logs out", async () => {
    const values = new Map<string, string>();
    const later = <T,>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 5));
    const storage: AsyncStorageLike = {
      getItem: (key) => later(values.get(key) ?? null),
      setItem: async (key, value) => void (await later(values.set(key, value))),
      removeItem: async (key) => void (await later(values.delete(key))),
    };
    const first = initJWTClient({ baseUrl: server.origin, storage });
    expect(initJWTClient({ baseUrl: "https://elsewhere.example" })).toBe(first);
    const { result } = renderHook(() => useJWTAuth<User>());
    expect(result.current.isLoading).toBe(true); // the async storage is still being read
    await waitFor(() => expect(result.current.isLoading).toBe(false));
    expect(result.current.isAuthenticated).toBe(false);

    await act(() => result.current.signup("grace@example.com", "pw2", "Grace"));
    expect(result.current).toMatchObject({ isAuthenticated: true, user: { email: "grace@example.com", name: "Grace" } });
    expect(values.get("covara_jwt_accessToken")).toBe(result.current.accessToken);
    const before = result.current.accessToken;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a new `iat` second, so a new token
    const renewed = await act(() => result.current.refresh());
    expect(renewed).not.toBe(before);
    expect(result.current.accessToken).toBe(renewed);

    await act(() => result.current.logout());
    expect(result.current).toMatchObject({ isAuthenticated: false, user: null, accessToken: null });
    expect(values.has("covara_jwt_accessToken")).toBe(false);
    await expect(result.current.login("grace@example.com", "wrong")).rejects.toThrow("Invalid email or password");
  });

  it("useJWTAuth throws before any JWT client exists", () => {
    createClient({ baseUrl: server.origin });
    expect(() => renderHook(() => useJWTAuth())).toThrow(/JWT client not initialized/);
  });
});
