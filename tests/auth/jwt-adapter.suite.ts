/**
 * `createJWTAdapter` on its own (spec 40 §6.1): the standalone routes driven over HTTP, its
 * middleware, the AuthAdapter methods and `toStrategy()`. Runs on Node and inside workerd.
 */
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import { createJWTAdapter, InMemoryRefreshTokenStore, type AuthUser } from "../../src/auth/index.js";
import { cookieValue, getUserById, resetUsers, SECRET, setCookieFor, users } from "./jwt-fixtures.js";

const PASSWORDS: Record<string, string> = { "ada@example.com": "correct horse" };

function setup() {
  const calls = { validatePassword: 0, refreshed: [] as string[] };
  const adapter = createJWTAdapter({
    jwt: { secret: SECRET, accessTokenTtl: 600, issuer: "covara-test" },
    getUserById,
    refreshTokenStore: new InMemoryRefreshTokenStore(),
    getUserContext: (user) => ({ permissions: user.id === "u1" ? ["posts:write"] : [] }),
    onTokenRefresh: (user) => {
      calls.refreshed.push(user.id);
    },
    validatePassword(email, password) {
      calls.validatePassword++;
      const user = [...users.values()].find((u) => u.email === email);
      return user && PASSWORDS[email] === password ? user : null;
    },
    createUser({ email, name }) {
      const user: AuthUser = { id: `u${users.size + 1}`, email, name: name ?? null };
      users.set(user.id, user);
      return user;
    },
  });
  const app = new Hono();
  app.use("*", adapter.middleware);
  app.route("/api/auth", adapter.getRoutes());
  app.get("/whoami", (c) => {
    const user = c.get("user" as never) as unknown;
    return c.json({ user: user === undefined ? "unset" : user });
  });
  return { adapter, app, calls };
}

const post = (app: Hono, path: string, body: unknown, headers: Record<string, string> = {}) =>
  app.request(path, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers });

/** The JWT adapter suite. */
export function jwtAdapterSuite(): void {
  beforeEach(() => resetUsers());

  describe("createJWTAdapter: routes", () => {
    it("POST /login returns the user, tokens and the refresh cookie; the token works through .middleware", async () => {
      const { app } = setup();
      const res = await post(app, "/api/auth/login", { email: "ada@example.com", password: "correct horse" });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { accessToken: string; refreshToken: string };
      expect(body).toEqual({
        user: { id: "u1", email: "ada@example.com", name: "Ada", image: null },
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: 600,
        tokenType: "Bearer",
      });
      expect(setCookieFor(res)).toMatch(/HttpOnly; SameSite=Strict/);
      const who = await app.request("/whoami", { headers: { authorization: `Bearer ${body.accessToken}` } });
      expect(((await who.json()) as { user: unknown }).user).toMatchObject({ id: "u1", metadata: { role: "admin", permissions: ["posts:write"] } });
      const me = await app.request("/api/auth/me", { headers: { authorization: `Bearer ${body.accessToken}` } });
      expect(await me.json()).toEqual({ user: { id: "u1", email: "ada@example.com", name: "Ada", image: null }, expiresAt: expect.any(String) });
    });

    it("POST /login: wrong password 401, missing fields 400, malformed JSON 400, oversized 400 without calling the app", async () => {
      const { app, calls } = setup();
      const wrong = await post(app, "/api/auth/login", { email: "ada@example.com", password: "nope" });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get("content-type")).toContain("application/problem+json");
      expect(await wrong.json()).toMatchObject({ code: "UNAUTHORIZED", detail: "Invalid email or password" });
      expect(calls.validatePassword).toBe(1);
      for (const body of [{}, { email: "ada@example.com" }, { email: 1, password: "x" }, { email: "a@b.co", password: ["x"] }, "[]"]) {
        const res = await post(app, "/api/auth/login", body);
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ code: "VALIDATION_ERROR", detail: "Email and password are required" });
      }
      const malformed = await post(app, "/api/auth/login", "{oops");
      expect(await malformed.json()).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
      const huge = await post(app, "/api/auth/login", { email: "ada@example.com", password: "x".repeat(5000) });
      expect(await huge.json()).toMatchObject({ status: 400, code: "VALIDATION_ERROR", errors: [{ field: "password" }] });
      expect(calls.validatePassword).toBe(1);
      expect(setCookieFor(wrong)).toBeUndefined();
    });

    it("POST /signup creates the user and answers 201 with tokens; bad input changes nothing", async () => {
      const { app } = setup();
      const res = await post(app, "/api/auth/signup", { email: "cy@example.com", password: "pw-123456", name: "Cy" });
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ user: { id: "u3", email: "cy@example.com", name: "Cy" }, tokenType: "Bearer" });
      const bad = await post(app, "/api/auth/signup", { email: "dee@example.com", password: "pw", name: 7 });
      expect(await bad.json()).toMatchObject({ status: 400, code: "VALIDATION_ERROR", errors: [{ field: "name" }] });
      expect(users.size).toBe(3);
    });

    it("GET /me is 200 { user: null } when anonymous or with a bad token", async () => {
      const { app } = setup();
      expect(await (await app.request("/api/auth/me")).json()).toEqual({ user: null });
      expect(await (await app.request("/api/auth/me", { headers: { authorization: "Bearer x.y.z" } })).json()).toEqual({ user: null });
      expect(await (await app.request("/whoami", { headers: { authorization: "Bearer x.y.z" } })).json()).toEqual({ user: null });
    });

    it("POST /refresh rotates and calls onTokenRefresh; POST /logout revokes", async () => {
      const { app, calls } = setup();
      const login = await post(app, "/api/auth/login", { email: "ada@example.com", password: "correct horse" });
      const cookie = cookieValue(setCookieFor(login))!;
      const refreshed = await app.request("/api/auth/refresh", { method: "POST", headers: { cookie: `refreshToken=${cookie}` } });
      expect(refreshed.status).toBe(200);
      expect(calls.refreshed).toEqual(["u1"]);
      const next = cookieValue(setCookieFor(refreshed))!;
      const reuse = await app.request("/api/auth/refresh", { method: "POST", headers: { cookie: `refreshToken=${cookie}` } });
      expect(await reuse.json()).toMatchObject({ error: { code: "TOKEN_REVOKED" } });
      const out = await app.request("/api/auth/logout", { method: "POST", headers: { cookie: `refreshToken=${next}` } });
      expect(await out.json()).toEqual({ success: true });
      const after = await app.request("/api/auth/refresh", { method: "POST", headers: { cookie: `refreshToken=${next}` } });
      expect(after.status).toBe(401);
      expect(calls.refreshed).toEqual(["u1"]);
    });
  });

  describe("createJWTAdapter: AuthAdapter contract", () => {
    it("extracts bearer credentials, validates them, and its strategy accepts its tokens", async () => {
      const { adapter, app } = setup();
      const login = (await (await post(app, "/api/auth/login", { email: "ada@example.com", password: "correct horse" })).json()) as { accessToken: string };
      const ctx = { req: { header: (name: string) => (name === "authorization" ? `Bearer ${login.accessToken}` : undefined) } } as never;
      const credentials = await adapter.extractCredentials(ctx);
      expect(credentials).toEqual({ type: "bearer", token: login.accessToken });
      expect((await adapter.validateCredentials(credentials!))?.user).toMatchObject({ id: "u1" });
      expect(await adapter.validateCredentials({ type: "bearer", token: "nope" })).toBeNull();
      expect(await adapter.validateCredentials({ type: "basic", username: "a", password: "b" })).toBeNull();
      const strategy = adapter.toStrategy();
      expect(strategy.name).toBe("jwt");
      expect((await strategy.authenticate(ctx))?.user.id).toBe("u1");
      expect(typeof adapter.invalidateUserSessions).toBe("function");
      expect(await adapter.invalidateUserSessions!("u1")).toBe(1);
    });

    it("refreshSession trades the refresh cookie for new tokens; a used cookie yields null", async () => {
      const { adapter } = setup();
      const app = new Hono();
      app.post("/issue", async (c) => c.json(await adapter.createSession!(c, "u1")));
      app.post("/refresh", async (c) => c.json((await adapter.refreshSession!(c)) ?? { none: true }));
      const issued = await app.request("/issue", { method: "POST" });
      const cookie = cookieValue(setCookieFor(issued))!;
      const first = (await (await app.request("/refresh", { method: "POST", headers: { cookie: `refreshToken=${cookie}` } })).json()) as Record<string, unknown>;
      expect(first).toMatchObject({ user: { id: "u1" }, accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 600 });
      expect(await (await app.request("/refresh", { method: "POST", headers: { cookie: `refreshToken=${cookie}` } })).json()).toEqual({ none: true });
    });
  });
}
