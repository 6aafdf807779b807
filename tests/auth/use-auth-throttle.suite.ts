/**
 * Login throttling (spec 40 §13, invariant 8) on a real KV, with client IPs as the runtime
 * vouches for them, plus the guards and strict middleware of §2.
 */
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import { errorHandler } from "../../src/errors/handler.js";
import {
  cookieSession,
  createAuthMiddleware,
  createKVSessionStore,
  createPassportAdapter,
  getUser,
  requireAuth,
  requireOwnership,
  requirePermission,
  requireRole,
  useAuth,
  type AuthUserContext,
} from "../../src/auth/index.js";
import type { KvStore } from "../../src/ports/kv-store.js";
import { client, directory, type AuthTestRuntime, type Directory } from "./use-auth-fixtures.js";

/** Throttle and guard suites for one runtime. */
export function useAuthThrottleSuite(runtime: AuthTestRuntime): void {
  describe(`login throttling (${runtime.name})`, () => {
    let dir: Directory;
    let kv: KvStore;
    const build = (maxAttempts = 3, windowMs = 60_000) => {
      const auth = useAuth({
        session: cookieSession({ getUserById: dir.getUserById, store: createKVSessionStore({ kv }) }),
        login: { validateCredentials: dir.validateCredentials },
        throttle: { maxAttempts, windowMs, store: kv },
      });
      return new Hono().route("/api/auth", auth.router);
    };
    const from = (app: Hono, ip: string, headers: Record<string, string> = {}) => {
      const pieces = runtime.fromIp(ip);
      return client(app, "/api/auth", { env: pieces.env, headers: { ...pieces.headers, ...headers } });
    };
    const good = { email: "ada@example.com", password: "pw" };
    const bad = (email = "ada@example.com") => ({ email, password: "nope" });

    beforeEach(() => {
      dir = directory();
      dir.add("ada@example.com", "pw");
      dir.add("bob@example.com", "pw");
      kv = runtime.kv();
    });

    it("counts attempts before checking credentials: of 20 parallel wrong logins only 3 reach the password check", async () => {
      let checks = 0;
      const auth = useAuth({
        session: cookieSession({ getUserById: dir.getUserById, store: createKVSessionStore({ kv }) }),
        login: {
          validateCredentials: async (email, password) => {
            checks++;
            return dir.validateCredentials(email, password);
          },
        },
        throttle: { maxAttempts: 3, windowMs: 60_000, store: kv },
      });
      const c = from(new Hono().route("/api/auth", auth.router), "203.0.113.9");
      const statuses = (await Promise.all(Array.from({ length: 20 }, () => c.post("/login", bad())))).map((r) => r.status);
      expect(checks).toBe(3);
      expect(statuses.filter((s) => s === 401)).toHaveLength(3);
      expect(statuses.filter((s) => s === 429)).toHaveLength(17);
    });

    it("buckets IPv6 clients by /64 and folds spelling variants of an email into one account counter", async () => {
      const app = build(3, 60_000);
      for (const [i, host] of ["2001:db8:1:2::1", "2001:db8:1:2:0:0:0:2", "2001:0db8:0001:0002:ffff::3"].entries()) {
        expect((await from(app, host).post("/login", bad(`user${i}@example.com`))).status).toBe(401);
      }
      expect((await from(app, "2001:db8:1:2:abcd::9").post("/login", bad("other@example.com"))).status).toBe(429);
      expect((await from(app, "2001:db8:1:3::1").post("/login", bad("other@example.com"))).status).toBe(401);
      for (const variant of ["ＢＯＢ@example.com", " Bob@Example.com", "bob@example.com"]) {
        expect((await from(app, "198.51.100.7").post("/login", bad(variant))).status).toBe(401);
      }
      expect((await from(app, "198.51.100.8").post("/login", { email: "bob@example.com", password: "pw" })).status).toBe(429);
    });

    it("three 401s, then 429 with Retry-After = seconds left, even with the right password and from another IP", async () => {
      const app = build(3, 60_000);
      const c = from(app, "203.0.113.1");
      for (let i = 0; i < 3; i++) expect((await c.post("/login", bad())).status).toBe(401);
      const locked = await c.post("/login", good);
      expect(locked.status).toBe(429);
      expect(locked.body).toMatchObject({ code: "RATE_LIMIT_EXCEEDED", detail: "Too many login attempts, please try again later" });
      const retryAfter = Number(locked.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(58);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(locked.cookies.has("session")).toBe(false);
      const elsewhere = await from(app, "198.51.100.7").post("/login", { email: "ADA@Example.com ", password: "pw" });
      expect(elsewhere.status).toBe(429);
      // Another account from another address is unaffected.
      expect((await from(app, "198.51.100.7").post("/login", { email: "bob@example.com", password: "pw" })).status).toBe(200);
    });

    it("locks an IP after failures across many emails; other IPs are unaffected; forwarding headers cannot rotate the bucket", async () => {
      const app = build(3);
      for (const email of ["a@x.co", "b@x.co", "c@x.co"]) {
        expect((await from(app, "203.0.113.9", { "x-forwarded-for": `10.0.0.${email.charCodeAt(0)}` }).post("/login", bad(email))).status).toBe(401);
      }
      expect((await from(app, "203.0.113.9", { "x-forwarded-for": "10.9.9.9", "x-real-ip": "10.8.8.8" }).post("/login", good)).status).toBe(429);
      expect((await from(app, "203.0.113.10").post("/login", good)).status).toBe(200);
    });

    it("a success resets both counters", async () => {
      const app = build(3);
      const c = from(app, "203.0.113.2");
      for (let i = 0; i < 2; i++) expect((await c.post("/login", bad())).status).toBe(401);
      expect((await c.post("/login", good)).status).toBe(200);
      for (let i = 0; i < 2; i++) expect((await c.post("/login", bad())).status).toBe(401);
      expect((await c.post("/login", good)).status).toBe(200);
    });

    it("the window is fixed from the first failure and then reopens", async () => {
      const app = build(2, 1000);
      const c = from(app, "203.0.113.3");
      await c.post("/login", bad());
      await c.post("/login", bad());
      const locked = await c.post("/login", good);
      expect(locked.status).toBe(429);
      expect(locked.headers.get("retry-after")).toBe("1");
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await c.post("/login", good)).status).toBe(200);
    });

    it("400s (bad bodies) are not failures", async () => {
      const app = build(2);
      const c = from(app, "203.0.113.4");
      for (let i = 0; i < 5; i++) expect((await c.post("/login", { email: "ada@example.com" })).status).toBe(400);
      expect((await c.post("/login", good)).status).toBe(200);
    });

    it("rejects bad throttle options at construction", () => {
      const session = cookieSession({ getUserById: dir.getUserById });
      expect(() => useAuth({ session, throttle: { maxAttempts: 0 } })).toThrow(TypeError);
      expect(() => useAuth({ session, throttle: { windowMs: 5 } })).toThrow(TypeError);
    });
  });

  describe(`guards and createAuthMiddleware (${runtime.name})`, () => {
    const as = (user: Partial<AuthUserContext> | null) => {
      const app = new Hono();
      app.onError(errorHandler);
      app.use("*", async (c, next) => {
        c.set("user" as never, (user ? { id: "u1", email: null, name: null, image: null, emailVerified: null, sessionId: "s", sessionExpiresAt: new Date(), ...user } : null) as never);
        await next();
      });
      app.get("/auth", requireAuth({ message: "Sign in first" }), (c) => c.text("ok"));
      app.get("/admin", requireRole("admin", "owner"), (c) => c.text("ok"));
      app.get("/write", requirePermission("posts:write"), (c) => c.text("ok"));
      app.get("/notes/:owner", requireOwnership((c) => c.req.param("owner"), { allowAdmin: true }), (c) => c.text("ok"));
      return app;
    };
    const status = async (app: Hono, path: string) => (await app.request(path)).status;

    it("missing user → 401 on every guard", async () => {
      const app = as(null);
      const res = await app.request("/auth");
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: "UNAUTHORIZED", detail: "Sign in first" });
      for (const path of ["/admin", "/write", "/notes/u1"]) expect(await status(app, path)).toBe(401);
    });

    it("a user lacking role, permission or ownership → 403; having them → 200", async () => {
      const plain = as({ metadata: { role: "user", permissions: ["posts:read"] } });
      expect(await status(plain, "/auth")).toBe(200);
      expect(await status(plain, "/admin")).toBe(403);
      expect(await status(plain, "/write")).toBe(403);
      expect(await status(plain, "/notes/u2")).toBe(403);
      expect(await status(plain, "/notes/u1")).toBe(200);
      const admin = as({ metadata: { role: "admin", permissions: ["posts:write"] } });
      expect(await status(admin, "/admin")).toBe(200);
      expect(await status(admin, "/write")).toBe(200);
      expect(await status(admin, "/notes/u2")).toBe(200);
      const forbidden = await plain.request("/admin");
      expect(await forbidden.json()).toMatchObject({ code: "FORBIDDEN" });
    });

    it("createAuthMiddleware: none → anonymous, invalid → 401 problem, valid → user and session; skipPaths", async () => {
      const dir = directory();
      dir.add("ada@example.com", "pw");
      const adapter = createPassportAdapter({ getUserById: dir.getUserById, sessionStore: createKVSessionStore({ kv: runtime.kv() }) });
      const app = new Hono();
      app.onError(errorHandler);
      app.use("*", createAuthMiddleware(adapter, { skipPaths: ["/public/*"], unauthorizedMessage: "Session expired" }));
      app.post("/login", async (c) => c.json(await adapter.createSession!(c, "u1")));
      app.get("/who", (c) => c.json({ user: getUser(c)?.id ?? null, session: (c.get("session" as never) as { id?: string } | undefined)?.id ?? null }));
      app.get("/public/x", (c) => c.json({ user: getUser(c)?.id ?? null }));
      expect(await (await app.request("/who")).json()).toEqual({ user: null, session: null });
      const bad = await app.request("/who", { headers: { cookie: "session=3f0c0000-0000-0000-0000-000000000000" } });
      expect(bad.status).toBe(401);
      expect(await bad.json()).toMatchObject({ code: "UNAUTHORIZED", detail: "Session expired" });
      expect((await app.request("/public/x", { headers: { cookie: "session=3f0c0000-0000-0000-0000-000000000000" } })).status).toBe(200);
      const { sessionId } = (await (await app.request("/login", { method: "POST" })).json()) as { sessionId: string };
      expect(await (await app.request("/who", { headers: { cookie: `session=${sessionId}` } })).json()).toEqual({ user: "u1", session: sessionId });
    });
  });
}
