/** CSRF double-submit (spec 40 §12, invariant 9) on the auth router and standalone. */
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import { errorHandler } from "../../src/errors/handler.js";
import { createCsrfMiddleware, generateCsrfToken, issueCsrfToken, useAuth } from "../../src/auth/index.js";
import { client, directory, TRANSPORTS, type AuthTestRuntime, type Directory } from "./use-auth-fixtures.js";

/** CSRF suite for one runtime. */
export function useAuthCsrfSuite(runtime: AuthTestRuntime): void {
  describe(`CSRF on the auth router (${runtime.name})`, () => {
    let dir: Directory;
    const build = () => {
      const kv = runtime.kv();
      const auth = useAuth({
        session: TRANSPORTS[0]!.make(dir, kv),
        kv,
        csrf: true,
        login: { validateCredentials: dir.validateCredentials },
        signup: { createUser: ({ email, password }) => dir.add(email, password) },
      });
      const app = new Hono();
      app.route("/api/auth", auth.router);
      app.use("*", auth.middleware);
      app.post("/api/other", (c) => c.json({ ok: true }));
      return app;
    };
    beforeEach(() => {
      dir = directory();
      dir.add("ada@example.com", "pw");
    });

    it("a safe request sets a readable csrf_token cookie once", async () => {
      const c = client(build());
      const me = await c.get("/me");
      const cookie = me.cookies.get("csrf_token")!;
      expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(cookie.attributes).not.toMatch(/HttpOnly/i);
      expect(cookie.attributes).toMatch(/SameSite=Lax/);
      expect(cookie.attributes).toMatch(/Path=\//);
      expect((await c.get("/me")).cookies.has("csrf_token")).toBe(false);
    });

    it("an unsafe cookie request without or with a mismatched header → 403 and nothing happens", async () => {
      const c = client(build());
      const fresh = await c.post("/login", { email: "ada@example.com", password: "pw" });
      expect(fresh.status).toBe(403);
      expect(fresh.body).toMatchObject({ code: "FORBIDDEN", detail: "CSRF token validation failed" });
      await c.get("/me");
      const missing = await c.post("/login", { email: "ada@example.com", password: "pw" });
      expect(missing.status).toBe(403);
      const mismatched = await c.post("/login", { email: "ada@example.com", password: "pw" }, { "x-csrf-token": generateCsrfToken() });
      expect(mismatched.status).toBe(403);
      const prefix = await c.post("/login", { email: "ada@example.com", password: "pw" }, { "x-csrf-token": c.jar.get("csrf_token")!.slice(0, 20) });
      expect(prefix.status).toBe(403);
      expect(c.jar.has("session")).toBe(false);
      expect((await c.post("/signup", { email: "eve@x.co", password: "pw" })).status).toBe(403);
      expect(dir.users.size).toBe(1);
    });

    it("a matching header passes; login re-issues the token, signup does not", async () => {
      const app = build();
      const c = Object.assign(client(app), { csrf: true });
      await c.get("/me");
      const before = c.jar.get("csrf_token");
      const login = await c.post("/login", { email: "ada@example.com", password: "pw" });
      expect(login.status).toBe(200);
      expect(login.cookies.get("csrf_token")!.value).not.toBe(before);
      expect((await c.get("/me")).body.user.id).toBe("u1");
      const other = Object.assign(client(app), { csrf: true });
      await other.get("/me");
      const signup = await other.post("/signup", { email: "eve@x.co", password: "pw" });
      expect(signup.status).toBe(200);
      expect(signup.cookies.has("csrf_token")).toBe(false);
      // An old token no longer matches the re-issued cookie.
      expect((await c.post("/logout", undefined, { "x-csrf-token": before! })).status).toBe(403);
      expect((await c.post("/logout")).status).toBe(200);
    });

    it("any Authorization header exempts the request; routes outside the router are not covered", async () => {
      const c = client(build());
      expect((await c.post("/logout", undefined, { authorization: "Bearer whatever" })).status).toBe(200);
      expect((await c.post("/api/other")).status).toBe(200);
    });
  });

  describe(`createCsrfMiddleware (${runtime.name})`, () => {
    const app = new Hono();
    app.onError(errorHandler);
    app.use("*", createCsrfMiddleware({ cookieName: "xsrf", headerName: "X-XSRF", message: "Bad token", cookieOptions: { maxAge: 3600, sameSite: "strict" }, skip: (c) => c.req.path === "/hook" }));
    app.get("/form", (c) => c.text("form"));
    app.post("/save", (c) => c.text("saved"));
    app.delete("/save", (c) => c.text("deleted"));
    app.post("/hook", (c) => c.text("hooked"));
    app.get("/rotate", (c) => c.text(issueCsrfToken(c, { tokenLength: 16 })));

    it("issues, checks with custom names, honours skip and maxAge", async () => {
      const form = await app.request("/form");
      const line = form.headers.getSetCookie()[0]!;
      expect(line).toMatch(/^xsrf=[A-Za-z0-9_-]{43};/);
      expect(line).toMatch(/Max-Age=3600/);
      expect(line).toMatch(/SameSite=Strict/);
      const token = line.split(";")[0]!.slice(5);
      expect((await app.request("/save", { method: "POST", headers: { cookie: `xsrf=${token}`, "x-xsrf": token } })).status).toBe(200);
      const denied = await app.request("/save", { method: "DELETE", headers: { cookie: `xsrf=${token}` } });
      expect(denied.status).toBe(403);
      expect((await denied.json()).detail).toBe("Bad token");
      expect((await app.request("/save", { method: "POST", headers: { "x-xsrf": token } })).status).toBe(403);
      expect((await app.request("/save", { method: "POST", headers: { cookie: `xsrf=${"a".repeat(1000)}`, "x-xsrf": "a".repeat(1000) } })).status).toBe(403);
      expect((await app.request("/hook", { method: "POST" })).status).toBe(200);
      expect((await (await app.request("/rotate")).text())).toMatch(/^[A-Za-z0-9_-]{22}$/);
    });

    it("generateCsrfToken: base64url of the requested bytes; refuses weak lengths", () => {
      expect(generateCsrfToken()).toHaveLength(43);
      expect(generateCsrfToken(48)).toHaveLength(64);
      expect(generateCsrfToken()).not.toBe(generateCsrfToken());
      expect(() => generateCsrfToken(4)).toThrow(RangeError);
    });
  });
}
