/**
 * useAuth core on real transports (cookieSession, jwtSession) and real KV (memory on Node, the
 * Durable Object in workerd): /me, /login, /signup, /logout, transport routes, rotation, hooks,
 * the adapter path, and bad input. Invariants 2–4 of spec 40 §19.
 */
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import { ConflictError, ForbiddenError } from "../../src/errors/problem.js";
import { createCovara } from "../../src/index.js";
import { createJWTAdapter, createKVSessionStore, createPassportAdapter, useAuth, getUser, type UseAuthOptions } from "../../src/auth/index.js";
import { client, directory, SECRET, TRANSPORTS, type AuthTestRuntime, type Directory } from "./use-auth-fixtures.js";

/** The useAuth core suite for one runtime. */
export function useAuthCoreSuite(runtime: AuthTestRuntime): void {
  for (const transport of TRANSPORTS) {
    describe(`useAuth core, ${transport.name} transport (${runtime.name})`, () => {
      let dir: Directory;
      let events: string[];
      const build = (extra: Partial<UseAuthOptions> = {}) => {
        const kv = runtime.kv();
        const auth = useAuth({
          session: transport.make(dir, kv),
          kv,
          login: { validateCredentials: dir.validateCredentials },
          signup: {
            createUser: async ({ email, password, name }) => {
              if (dir.byEmail(email)) throw new ConflictError("Email already registered");
              events.push(`create:${email}`);
              return dir.add(email, password, name ? { name } : {});
            },
          },
          onLogin: (user) => void events.push(`login:${user.id}`),
          onLogout: (user) => void events.push(`logout:${user?.id ?? "anonymous"}`),
          onSignup: (user) => void events.push(`signup:${user.id}`),
          ...extra,
        });
        const app = new Hono();
        app.route("/api/auth", auth.router);
        app.use("*", auth.middleware);
        app.get("/app/whoami", (c) => c.json({ user: getUser(c)?.id ?? null }));
        return { app, auth, c: Object.assign(client(app), { bearer: transport.name === "jwt" }) };
      };
      const credential = (sent: { body: any; cookies: Map<string, { value: string }> }): Record<string, string> =>
        transport.name === "cookie" ? { cookie: `session=${sent.cookies.get("session")!.value}` } : { authorization: `Bearer ${sent.body.accessToken}` };

      beforeEach(() => {
        dir = directory();
        dir.add("ada@example.com", "correct horse", { name: "Ada" });
        events = [];
      });

      it("GET /me is 200 { user: null } for anonymous and bad credentials", async () => {
        const { c } = build();
        expect(await c.get("/me")).toMatchObject({ status: 200, body: { user: null } });
        expect((await c.get("/me", { cookie: "session=forged", authorization: "Bearer not.a.jwt" })).body).toEqual({ user: null });
      });

      it("logs in, returns the login body, and /me and the middleware see the user", async () => {
        const { c } = build();
        const res = await c.post("/login", { email: "ada@example.com", password: "correct horse" });
        expect(res.status).toBe(200);
        expect(res.body.user).toEqual({ id: "u1", email: "ada@example.com", name: "Ada", image: null });
        if (transport.name === "cookie") {
          expect(res.body.sessionId).toBe(res.cookies.get("session")!.value);
          expect(res.cookies.get("session")!.attributes).toMatch(/HttpOnly/);
          expect(res.cookies.get("session")!.attributes).toMatch(/SameSite=Lax/);
          expect(res.body.accessToken).toBeUndefined();
        } else {
          expect(res.body).toMatchObject({ expiresIn: 900, tokenType: "Bearer" });
          expect(typeof res.body.accessToken).toBe("string");
          expect(res.cookies.get("refreshToken")!.attributes).toMatch(/SameSite=Strict/);
        }
        const me = await c.get("/me");
        expect(me.body.user).toEqual({ id: "u1", email: "ada@example.com", name: "Ada", image: null });
        expect(new Date(me.body.expiresAt).getTime()).toBeGreaterThan(Date.now());
        expect((await c.get("/app/whoami")).body).toEqual({ user: "u1" });
        expect(events).toEqual(["login:u1"]);
      });

      it("answers 401 for wrong credentials and sets no identity", async () => {
        const { c } = build();
        const res = await c.post("/login", { email: "ada@example.com", password: "wrong" });
        expect(res.status).toBe(401);
        expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
        expect(res.body).toMatchObject({ code: "UNAUTHORIZED", detail: "Invalid email or password" });
        expect(res.cookies.has("session")).toBe(false);
        expect((await c.get("/me")).body).toEqual({ user: null });
        expect(events).toEqual([]);
      });

      it("rejects bad login bodies with 400 before checking credentials", async () => {
        const { c } = build();
        const cases: unknown[] = ["{not json", "[1,2]", "42", {}, { email: "ada@example.com" }, { email: 123, password: "x" }, { email: "ada@example.com", password: ["x"] }, { email: "a".repeat(400) + "@x.co", password: "x" }, { email: "ada@example.com", password: "p".repeat(2000) }];
        for (const body of cases) {
          const res = await c.post("/login", body);
          expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
          expect(res.body.code).toBe("VALIDATION_ERROR");
        }
        expect((await c.post("/login", {})).body.detail).toBe("Email and password are required");
        expect(dir.validations).toEqual([]);
        expect((await c.get("/me")).body).toEqual({ user: null });
      });

      it("an empty body is {} (400 missing credentials), whatever the Content-Type", async () => {
        const { app } = build();
        const res = await app.request("/api/auth/login", { method: "POST", headers: { "content-type": "text/plain" } });
        expect(res.status).toBe(400);
        const typed = await app.request("/api/auth/login", { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ email: "ada@example.com", password: "correct horse" }) });
        expect(typed.status).toBe(200);
      });

      it("logout is 200 when anonymous and afterwards the old credential no longer authenticates", async () => {
        const { c, app } = build();
        expect(await c.post("/logout")).toMatchObject({ status: 200, body: { success: true } });
        const login = await c.post("/login", { email: "ada@example.com", password: "correct horse" });
        const old = credential(login);
        const refreshCookie = login.cookies.get("refreshToken")?.value;
        const out = await c.post("/logout");
        expect(out).toMatchObject({ status: 200, body: { success: true } });
        expect(events).toEqual(["logout:anonymous", "login:u1", "logout:u1"]);
        if (transport.name === "cookie") {
          expect((await app.request("/api/auth/me", { headers: old })).status).toBe(200);
          expect(await (await app.request("/api/auth/me", { headers: old })).json()).toEqual({ user: null });
        } else {
          // Access tokens are stateless until exp; the refresh token is revoked.
          const refreshed = await app.request("/api/auth/refresh", { method: "POST", headers: { cookie: `refreshToken=${refreshCookie}` } });
          expect(refreshed.status).toBe(401);
          expect((await refreshed.json()).error.code).toBe("TOKEN_REVOKED");
        }
      });

      it("rotates on every login: a fixated or earlier credential never authenticates afterwards", async () => {
        const { c, app } = build();
        const first = await c.post("/login", { email: "ada@example.com", password: "correct horse" });
        const second = await c.post("/login", { email: "ada@example.com", password: "correct horse" });
        if (transport.name === "cookie") {
          expect(second.body.sessionId).not.toBe(first.body.sessionId);
          const stale = await app.request("/api/auth/me", { headers: { cookie: `session=${first.body.sessionId}` } });
          expect((await stale.json()).user).toBeNull();
          // A planted id: logging in deletes it and mints a new one.
          const victim = client(app);
          victim.jar.set("session", "11111111-2222-3333-4444-555555555555");
          const res = await victim.post("/login", { email: "ada@example.com", password: "correct horse" });
          expect(res.body.sessionId).not.toBe("11111111-2222-3333-4444-555555555555");
          const planted = await app.request("/api/auth/me", { headers: { cookie: "session=11111111-2222-3333-4444-555555555555" } });
          expect((await planted.json()).user).toBeNull();
        } else {
          const firstRefresh = first.cookies.get("refreshToken")!.value;
          expect(second.cookies.get("refreshToken")!.value).not.toBe(firstRefresh);
          const stale = await app.request("/api/auth/refresh", { method: "POST", headers: { cookie: `refreshToken=${firstRefresh}` } });
          expect(stale.status).toBe(401);
        }
      });

      it("mounts the transport's routes (JWT: POST /refresh)", async () => {
        const { c } = build();
        const refresh = await c.post("/refresh");
        if (transport.name === "cookie") {
          expect(refresh.status).toBe(404);
          return;
        }
        expect(refresh).toMatchObject({ status: 400, body: { error: { code: "NO_REFRESH_TOKEN" } } });
        await c.post("/login", { email: "ada@example.com", password: "correct horse" });
        const ok = await c.post("/refresh");
        expect(ok.status).toBe(200);
        expect(ok.body).toMatchObject({ expiresIn: 900, tokenType: "Bearer" });
      });

      it("signs up and logs in, with onSignup and no onLogin", async () => {
        const { c } = build();
        const res = await c.post("/signup", { email: "bob@example.com", password: "battery staple", name: "Bob" });
        expect(res.status).toBe(200);
        expect(res.body.user).toEqual({ id: "u2", email: "bob@example.com", name: "Bob" });
        expect(events).toEqual(["create:bob@example.com", "signup:u2"]);
        expect((await c.get("/me")).body.user.id).toBe("u2");
      });

      it("signup: 400 for missing fields, invalid email, policy and app password checks; 409 from createUser; nothing created", async () => {
        const { c } = build({
          passwordPolicy: { minLength: 10 },
          signup: {
            validateEmail: (email) => email.includes("@"),
            validatePassword: (password) => !password.includes("bob"),
            createUser: async ({ email, password }) => {
              if (dir.byEmail(email)) throw new ConflictError("Email already registered");
              return dir.add(email, password);
            },
          },
        });
        expect((await c.post("/signup", { email: "x@y.z" })).body.detail).toBe("Email and password are required");
        expect((await c.post("/signup", { email: "nope", password: "long enough pw" })).body).toMatchObject({ status: 400, detail: "Invalid email format" });
        const weak = await c.post("/signup", { email: "x@y.z", password: "short" });
        expect(weak.body).toMatchObject({ status: 400, code: "VALIDATION_ERROR", detail: "Password does not meet requirements" });
        expect(weak.body.errors[0].field).toBe("password");
        expect((await c.post("/signup", { email: "x@y.z", password: "bob is my password" })).body).toMatchObject({ status: 400, detail: "Password does not meet requirements" });
        expect((await c.post("/signup", { email: "ada@example.com", password: "long enough pw" })).status).toBe(409);
        expect((await c.post("/signup", { email: "x@y.z", password: "long enough pw", name: 42 })).status).toBe(400);
        expect(dir.users.size).toBe(1);
        expect((await c.get("/me")).body).toEqual({ user: null });
      });

      it("serializeUser shapes /me and the login body", async () => {
        const { c } = build({ serializeUser: (user) => ({ id: user.id, label: `${user.name} <${user.email}>` }) });
        const res = await c.post("/login", { email: "ada@example.com", password: "correct horse" });
        expect(res.body.user).toEqual({ id: "u1", label: "Ada <ada@example.com>" });
        expect((await c.get("/me")).body.user).toEqual({ id: "u1", label: "Ada <ada@example.com>" });
      });

      it("a throwing onLogin fails the request; an issuance failure is 401 'Failed to create session'", async () => {
        const failing = build({ onLogin: () => { throw new ForbiddenError("Account suspended"); } });
        expect((await failing.c.post("/login", { email: "ada@example.com", password: "correct horse" })).body).toMatchObject({ status: 403, detail: "Account suspended" });
        const ghost = build({ login: { validateCredentials: async () => ({ id: "ghost", email: "g@x.co" }) } });
        const res = await ghost.c.post("/login", { email: "g@x.co", password: "x" });
        expect(res.status).toBe(401);
        expect(res.body.detail).toBe("Failed to create session");
      });

      it("the middleware never rejects: hostile credentials give an anonymous request", async () => {
        const { app } = build();
        const hostile: Record<string, string>[] = [{ cookie: "session=' OR 1=1" }, { authorization: "Bearer " + "x".repeat(20_000) }, { authorization: "Basic Zm9vOmJhcg==" }, { cookie: "session=" + "a".repeat(5000) }];
        for (const headers of hostile) {
          const res = await app.request("/app/whoami", { headers });
          expect(res.status).toBe(200);
          expect(await res.json()).toEqual({ user: null });
        }
      });

      it("works through createCovara({ auth }) at <basePath>/auth", async () => {
        const kv = runtime.kv();
        const app = createCovara({ basePath: "/v1", auth: useAuth({ session: transport.make(dir, kv), kv, login: { validateCredentials: dir.validateCredentials } }) });
        app.get("/app/whoami", (ctx) => ctx.json({ user: getUser(ctx)?.id ?? null }));
        const c = Object.assign(client(app, "/v1/auth"), { bearer: transport.name === "jwt" });
        expect((await c.post("/login", { email: "ada@example.com", password: "correct horse" })).status).toBe(200);
        expect((await c.get("/me")).body.user.id).toBe("u1");
        expect((await c.get("/app/whoami")).body).toEqual({ user: "u1" });
      });
    });
  }

  describe(`useAuth construction and adapters (${runtime.name})`, () => {
    it("throws without session or adapter", () => {
      expect(() => useAuth({} as UseAuthOptions)).toThrow(/session|adapter/);
    });

    it("maps the Passport adapter: legacy cookie with Max-Age 7 d and Expires, logout clears it", async () => {
      const dir = directory();
      dir.add("ada@example.com", "pw");
      const adapter = createPassportAdapter({ getUserById: dir.getUserById, sessionStore: createKVSessionStore({ kv: runtime.kv() }) });
      const { router } = useAuth({ adapter, login: { validateCredentials: dir.validateCredentials } });
      const app = new Hono().route("/api/auth", router);
      const c = client(app);
      const res = await c.post("/login", { email: "ada@example.com", password: "pw" });
      expect(res.status).toBe(200);
      const cookie = res.cookies.get("session")!;
      expect(cookie.attributes).toMatch(/Max-Age=604800/);
      expect(cookie.attributes).toMatch(/Expires=/);
      expect((await c.get("/me")).body.user.id).toBe("u1");
      const out = await c.post("/logout");
      expect(out.cookies.get("session")!.attributes).toMatch(/Max-Age=0/);
      expect((await (await app.request("/api/auth/me", { headers: { cookie: `session=${cookie.value}` } })).json()).user).toBeNull();
    });

    it("maps the JWT adapter onto jwtSession semantics (login works, /refresh mounted)", async () => {
      const dir = directory();
      dir.add("ada@example.com", "pw");
      const adapter = createJWTAdapter({ jwt: { secret: SECRET }, getUserById: dir.getUserById, refreshTokenStore: true });
      const { router, middleware } = useAuth({ adapter, login: { validateCredentials: dir.validateCredentials } });
      const app = new Hono();
      app.route("/api/auth", router);
      app.use("*", middleware);
      app.get("/app/whoami", (ctx) => ctx.json({ user: getUser(ctx)?.id ?? null }));
      const c = Object.assign(client(app), { bearer: true });
      const res = await c.post("/login", { email: "ada@example.com", password: "pw" });
      expect(res.status).toBe(200);
      expect(res.body.tokenType).toBe("Bearer");
      expect((await c.get("/app/whoami")).body).toEqual({ user: "u1" });
      expect((await c.post("/refresh")).status).toBe(200);
    });
  });
}
