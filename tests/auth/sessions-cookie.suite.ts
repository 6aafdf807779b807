/**
 * cookieSession (spec 40 §6.2, §6.3, §5; §19 invariants 1, 3, 4, 5) over a given store: issue,
 * authenticate, logout, rotation against fixation, cookie attributes, expiry, deleted users,
 * "log out everywhere", activity stamping and hostile cookies. Runs on Node and inside workerd.
 */
import { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import { cookieSession, type CookieSessionOptions } from "../../src/auth/sessions/cookie-session.js";
import type { SessionStore, SessionStrategy } from "../../src/auth/types.js";
import { clearGlobalKV, setGlobalKV } from "../../src/middleware/kv-context.js";
import type { KvStore } from "../../src/ports/kv-store.js";
import { eventually, HOSTILE_IDS, setCookies, sleep, uid, userDirectory } from "./sessions-fixtures.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A tiny app around a strategy: who am I, log in as :id, log out. */
export function strategyApp(strategy: SessionStrategy) {
  const app = new Hono();
  app.get("/me", async (c) => {
    const auth = await strategy.authenticate(c);
    return c.json({ user: auth?.user ?? null, session: auth?.session ?? null });
  });
  app.post("/login/:id", async (c) => c.json(await strategy.issue(c, c.req.param("id"), { via: "test" })));
  app.post("/logout", async (c) => {
    await strategy.logout(c);
    return c.json({ success: true });
  });
  return app;
}

/** Runs the cookieSession suite with sessions in the store `makeStore` returns. */
export function cookieSessionSuite(name: string, makeStore: () => SessionStore | Promise<SessionStore>, makeKv: () => KvStore | Promise<KvStore>): void {
  describe(`cookieSession: ${name}`, () => {
    let store: SessionStore;
    beforeAll(async () => {
      store = await makeStore();
    });

    const setup = (options: Partial<CookieSessionOptions> = {}) => {
      const alice = uid("alice");
      const bob = uid("bob");
      const directory = userDirectory([
        { id: alice, email: "alice@example.com", name: "Alice", metadata: { role: "admin" } },
        { id: bob, email: "bob@example.com", name: "Bob" },
      ]);
      const strategy = cookieSession({ getUserById: directory.getUserById, store, ...options });
      const app = strategyApp(strategy);
      const login = async (id: string, init: RequestInit = {}, url = "http://localhost/login/") => {
        const res = await app.request(url + encodeURIComponent(id), { method: "POST", ...init });
        expect(res.status).toBe(200);
        const cookie = setCookies(res).get(options.cookieName ?? "session")!;
        return { res, body: (await res.json()) as { sessionId: string; expiresAt: string; user: { id: string } }, cookie };
      };
      const me = async (cookie?: string, name = options.cookieName ?? "session") => {
        const res = await app.request("/me", cookie === undefined ? {} : { headers: { cookie: `${name}=${cookie}` } });
        expect(res.status).toBe(200);
        return (await res.json()) as { user: any; session: any };
      };
      return { alice, bob, directory, strategy, app, login, me };
    };

    it("issues a random UUID session, sets the cookie and authenticates with it", async () => {
      const { alice, login, me } = setup({ getUserContext: async () => ({ plan: "pro" }) });
      const { body, cookie } = await login(alice, { headers: { "user-agent": "TestAgent/1.0" } });
      expect(body.sessionId).toMatch(UUID);
      expect(body.user.id).toBe(alice);
      expect(cookie.value).toBe(body.sessionId);
      const { user, session } = await me(cookie.value);
      expect(user).toMatchObject({ id: alice, email: "alice@example.com", name: "Alice", image: null, emailVerified: null, sessionId: body.sessionId });
      expect(user.metadata).toEqual({ role: "admin", plan: "pro" });
      expect(new Date(user.sessionExpiresAt).getTime()).toBe(new Date(body.expiresAt).getTime());
      expect(session.data).toMatchObject({ userAgent: "TestAgent/1.0", via: "test" });
      expect(session.data).toHaveProperty("ipAddress");
      expect((await store.get(body.sessionId))!.userId).toBe(alice);
    });

    it("sets HttpOnly, SameSite=Lax, Path=/ and Expires = session expiry, without Secure over plain http", async () => {
      const { alice, login } = setup();
      const { body, cookie } = await login(alice);
      expect(cookie.attributes).toMatch(/HttpOnly/);
      expect(cookie.attributes).toMatch(/SameSite=Lax/);
      expect(cookie.attributes).toMatch(/Path=\//);
      expect(cookie.attributes).not.toMatch(/Secure/);
      const expires = /Expires=([^;]+)/.exec(cookie.attributes)![1]!;
      expect(Math.abs(new Date(expires).getTime() - new Date(body.expiresAt).getTime())).toBeLessThan(1000);
      expect(Math.abs(new Date(body.expiresAt).getTime() - (Date.now() + 86_400_000))).toBeLessThan(5000);
    });

    it("adds Secure over https and in production, unless overridden", async () => {
      const { alice, login, app } = setup();
      expect((await login(alice, {}, "https://example.com/login/")).cookie.attributes).toMatch(/Secure/);
      const prod = await app.request(`/login/${alice}`, { method: "POST" }, { NODE_ENV: "production" });
      expect(setCookies(prod).get("session")!.attributes).toMatch(/Secure/);
      const overridden = setup({ cookieOptions: { secure: false, sameSite: "strict", domain: "example.com" } });
      const { cookie } = await overridden.login(overridden.alice, {}, "https://example.com/login/");
      expect(cookie.attributes).not.toMatch(/Secure/);
      expect(cookie.attributes).toMatch(/SameSite=Strict/);
      expect(cookie.attributes).toMatch(/Domain=example.com/);
      expect(cookie.attributes).toMatch(/HttpOnly/);
    });

    it("honours cookieName and ttlMs", async () => {
      const { alice, login, me } = setup({ cookieName: "sid", ttlMs: 60_000 });
      const { body, cookie } = await login(alice);
      expect(Math.abs(new Date(body.expiresAt).getTime() - (Date.now() + 60_000))).toBeLessThan(5000);
      expect((await me(cookie.value, "sid")).user.id).toBe(alice);
      expect((await me(cookie.value, "session")).user).toBeNull();
    });

    it("is anonymous without a cookie and never authenticates a fixated id", async () => {
      const { alice, login, me, app } = setup();
      expect((await me()).user).toBeNull();
      const fixated = crypto.randomUUID();
      expect((await me(fixated)).user).toBeNull();
      // The victim logs in carrying the attacker's chosen id: a new id is minted, the fixated one stays dead.
      const res = await app.request(`/login/${alice}`, { method: "POST", headers: { cookie: `session=${fixated}` } });
      const minted = setCookies(res).get("session")!.value;
      expect(minted).not.toBe(fixated);
      expect((await me(fixated)).user).toBeNull();
      expect(await store.get(fixated)).toBeNull();
      expect((await me(minted)).user.id).toBe(alice);
      void login;
    });

    it("deletes the session named by the incoming cookie on every issuance (rotation)", async () => {
      const { alice, bob, login, me, app } = setup();
      // An attacker plants their own live session id in the victim's browser…
      const planted = (await login(bob)).cookie.value;
      const res = await app.request(`/login/${alice}`, { method: "POST", headers: { cookie: `session=${planted}` } });
      const fresh = setCookies(res).get("session")!.value;
      // …which dies at the victim's login: it can neither become the victim's nor stay the attacker's.
      expect(await store.get(planted)).toBeNull();
      expect((await me(planted)).user).toBeNull();
      expect((await me(fresh)).user.id).toBe(alice);
      // Logging in again from a live session rotates it too.
      const again = setCookies(await app.request(`/login/${alice}`, { method: "POST", headers: { cookie: `session=${fresh}` } })).get("session")!.value;
      expect(again).not.toBe(fresh);
      expect((await me(fresh)).user).toBeNull();
      expect((await me(again)).user.id).toBe(alice);
    });

    it("logout deletes the session and expires the cookie; the old cookie no longer authenticates", async () => {
      const { alice, login, me, app } = setup();
      const { cookie } = await login(alice);
      const res = await app.request("/logout", { method: "POST", headers: { cookie: `session=${cookie.value}` } });
      expect(res.status).toBe(200);
      const cleared = setCookies(res).get("session")!;
      expect(cleared.value).toBe("");
      expect(cleared.attributes).toMatch(/Max-Age=0/);
      expect(await store.get(cookie.value)).toBeNull();
      expect((await me(cookie.value)).user).toBeNull();
    });

    it("logout is harmless when anonymous or with a garbage cookie", async () => {
      const { app } = setup();
      for (const headers of [{} as Record<string, string>, { cookie: "session=%%%" }, { cookie: `session=${"x".repeat(8000)}` }]) {
        const res = await app.request("/logout", { method: "POST", headers });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ success: true });
      }
    });

    it("answers anonymous once the session has expired", async () => {
      const { alice, login, me } = setup({ ttlMs: 300 });
      const { cookie } = await login(alice);
      expect((await me(cookie.value)).user.id).toBe(alice);
      await sleep(350);
      await eventually(async () => (await me(cookie.value)).user === null);
    });

    it("re-reads the user on every request: a deleted user is anonymous, a renamed one is current", async () => {
      const { alice, directory, login, me } = setup();
      const { cookie } = await login(alice);
      const reads = directory.reads;
      directory.users.set(alice, { id: alice, email: "alice@example.com", name: "Alice Renamed" });
      expect((await me(cookie.value)).user.name).toBe("Alice Renamed");
      expect(directory.reads).toBe(reads + 1);
      directory.users.delete(alice);
      expect((await me(cookie.value)).user).toBeNull();
      await eventually(async () => (await store.get(cookie.value)) === null);
    });

    it("refuses to issue a session for an unknown user and stores nothing", async () => {
      const { strategy, app } = setup();
      const ghost = uid("ghost");
      const app2 = new Hono();
      app2.post("/login", async (c) => {
        await expect(strategy.issue(c, ghost)).rejects.toThrow();
        return c.text("ok");
      });
      expect((await app2.request("/login", { method: "POST" })).status).toBe(200);
      expect((await store.getByUser?.(ghost)) ?? []).toEqual([]);
      void app;
    });

    it("invalidateUserSessions ends every session of a user but the one kept, and nobody else's", async () => {
      const { alice, bob, login, me, strategy } = setup();
      const a = await Promise.all([1, 2, 3].map(() => login(alice)));
      const b = await login(bob);
      expect(await strategy.invalidateUserSessions!(alice, a[0]!.body.sessionId)).toBe(2);
      expect((await me(a[0]!.cookie.value)).user.id).toBe(alice);
      expect((await me(a[1]!.cookie.value)).user).toBeNull();
      expect((await me(a[2]!.cookie.value)).user).toBeNull();
      expect((await me(b.cookie.value)).user.id).toBe(bob);
      expect(await strategy.invalidateUserSessions!(alice)).toBe(1);
      expect((await me(a[0]!.cookie.value)).user).toBeNull();
      expect(await strategy.invalidateUserSessions!(alice)).toBe(0);
    });

    it("stamps lastActiveAt on use at most once per 60 s, without delaying the request", async () => {
      let now = Date.now();
      const { alice, login, me } = setup({ now: () => now });
      const { cookie } = await login(alice);
      const stamped = async () => (await store.get(cookie.value))?.data?.lastActiveAt;
      expect(await stamped()).toBeUndefined();
      const t0 = now;
      await me(cookie.value);
      await eventually(async () => (await stamped()) === t0);
      now += 30_000;
      await me(cookie.value);
      await sleep(100);
      expect(await stamped()).toBe(t0);
      now += 31_000;
      await me(cookie.value);
      await eventually(async () => (await stamped()) === t0 + 61_000);
      const data = (await store.get(cookie.value))!.data!;
      expect(data).toMatchObject({ via: "test", lastActiveAt: t0 + 61_000 });
    });

    it("a stamp racing a logout never brings the session back", async () => {
      const { alice, login, me, app } = setup();
      const { cookie } = await login(alice);
      await Promise.all([me(cookie.value), app.request("/logout", { method: "POST", headers: { cookie: `session=${cookie.value}` } })]);
      await sleep(150);
      expect(await store.get(cookie.value)).toBeNull();
      expect((await me(cookie.value)).user).toBeNull();
    });

    it("treats garbage, oversized and injection-looking cookies as anonymous and changes nothing", async () => {
      const { alice, login, me, app } = setup();
      const { cookie } = await login(alice);
      for (const hostile of HOSTILE_IDS) {
        const res = await app.request("/me", { headers: { cookie: `session=${encodeURIComponent(hostile)}` } });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { user: unknown }).user).toBeNull();
      }
      for (const raw of ["session=\"unterminated", "session=a=b=c", "session", "=;;;session=;"]) {
        const res = await app.request("/me", { headers: { cookie: raw } });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { user: unknown }).user).toBeNull();
      }
      // A hostile cookie on a login is just rotated away; the legitimate session is untouched.
      const res = await app.request(`/login/${alice}`, { method: "POST", headers: { cookie: `session=${encodeURIComponent("' OR 1=1 --")}` } });
      expect(res.status).toBe(200);
      expect((await me(cookie.value)).user.id).toBe(alice);
    });

    it("defaults to the global KV when one exists", async () => {
      const kv = await makeKv();
      setGlobalKV(kv);
      try {
        const directory = userDirectory([{ id: "kv-user" }]);
        const strategy = cookieSession({ getUserById: directory.getUserById });
        const app = strategyApp(strategy);
        const res = await app.request("/login/kv-user", { method: "POST" });
        const id = setCookies(res).get("session")!.value;
        expect(await kv.get(`session:s:${id}`)).not.toBeNull();
        expect(await strategy.sessionStore!.get(id)).not.toBeNull();
        expect(await strategy.invalidateUserSessions!("kv-user")).toBe(1);
        expect(await kv.get(`session:s:${id}`)).toBeNull();
      } finally {
        clearGlobalKV();
      }
    });

    it("falls back to memory without a global KV, and rejects a non-positive ttlMs", async () => {
      const directory = userDirectory([{ id: "mem-user" }]);
      const strategy = cookieSession({ getUserById: directory.getUserById });
      const app = strategyApp(strategy);
      const id = setCookies(await app.request("/login/mem-user", { method: "POST" })).get("session")!.value;
      expect(await strategy.sessionStore!.get(id)).not.toBeNull();
      const res = await app.request("/me", { headers: { cookie: `session=${id}` } });
      expect(((await res.json()) as { user: { id: string } }).user.id).toBe("mem-user");
      for (const ttlMs of [0, -1, Number.NaN]) expect(() => cookieSession({ getUserById: directory.getUserById, ttlMs })).toThrow(TypeError);
    });
  });
}
