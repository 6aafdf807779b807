/**
 * createPassportAdapter (spec 40 §6.1): credential precedence connect.sid → session cookie →
 * Bearer session id → Basic → X-API-Key, Basic split at the first colon with no session stored,
 * API-key scopes in metadata, issuance/logout through toStrategy(), the legacy adapter methods,
 * and hostile input. Runs on Node and inside workerd.
 */
import { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import { createPassportAdapter, type PassportAdapterOptions } from "../../src/auth/sessions/passport-adapter.js";
import type { AuthUser, SessionStore } from "../../src/auth/types.js";
import { strategyApp } from "./sessions-cookie.suite.js";
import { HOSTILE_IDS, setCookies, uid, userDirectory } from "./sessions-fixtures.js";

const basic = (user: string, password: string) => `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${user}:${password}`)))}`;

/** Runs the Passport adapter suite with sessions in the store `makeStore` returns. */
export function passportAdapterSuite(name: string, makeStore: () => SessionStore | Promise<SessionStore>): void {
  describe(`createPassportAdapter: ${name}`, () => {
    let store: SessionStore;
    beforeAll(async () => {
      store = await makeStore();
    });

    const setup = (options: Partial<PassportAdapterOptions> = {}) => {
      const [alice, bob, carol, dave, erin] = ["alice", "bob", "carol", "dave", "erin"].map((n) => uid(n)) as [string, string, string, string, string];
      const directory = userDirectory([alice, bob, carol, dave, erin].map((id) => ({ id, email: `${id}@example.com` })));
      const passwordCalls: [string, string][] = [];
      const apiKeyCalls: string[] = [];
      const adapter = createPassportAdapter({
        getUserById: directory.getUserById,
        sessionStore: store,
        validatePassword: async (username, password): Promise<AuthUser | null> => {
          passwordCalls.push([username, password]);
          return username === "dave" && password === "pa:ss:word" ? directory.users.get(dave)! : null;
        },
        validateApiKey: async (key) => {
          apiKeyCalls.push(key);
          return key === "ck_live.secret-key" ? { userId: erin, scopes: ["posts:read"] } : null;
        },
        ...options,
      });
      const strategy = adapter.toStrategy();
      const app = strategyApp(strategy);
      const login = async (id: string) => setCookies(await app.request(`/login/${id}`, { method: "POST" })).get("session")!.value;
      const me = async (headers: Record<string, string>) => ((await (await app.request("/me", { headers })).json()) as { user: any; session: any }).user;
      return { alice, bob, carol, dave, erin, adapter, strategy, app, login, me, passwordCalls, apiKeyCalls };
    };

    it("authenticates each transport on its own", async () => {
      const { alice, dave, erin, login, me } = setup();
      const sid = await login(alice);
      expect((await me({ cookie: `connect.sid=${sid}` })).id).toBe(alice);
      expect((await me({ cookie: `session=${sid}` })).id).toBe(alice);
      expect((await me({ authorization: `Bearer ${sid}` })).id).toBe(alice);
      expect((await me({ authorization: basic("dave", "pa:ss:word") })).id).toBe(dave);
      const keyUser = await me({ "x-api-key": "ck_live.secret-key" });
      expect(keyUser).toMatchObject({ id: erin, sessionId: "apikey:ck_live.", metadata: { apiKeyScopes: ["posts:read"] } });
      expect(await me({})).toBeNull();
    });

    it("follows the precedence connect.sid → session → Bearer → Basic → X-API-Key", async () => {
      const { alice, bob, carol, dave, login, me, adapter, app } = setup();
      const [a, b, c] = [await login(alice), await login(bob), await login(carol)];
      const all = { cookie: `connect.sid=${a}; session=${b}`, authorization: `Bearer ${c}`, "x-api-key": "ck_live.secret-key" };
      expect((await me(all)).id).toBe(alice);
      expect((await me({ ...all, cookie: `session=${b}` })).id).toBe(bob);
      expect((await me({ authorization: `Bearer ${c}`, "x-api-key": "ck_live.secret-key" })).id).toBe(carol);
      expect((await me({ authorization: basic("dave", "pa:ss:word"), "x-api-key": "ck_live.secret-key" })).id).toBe(dave);
      // The first credential present wins even when it is invalid: no silent fallback to a weaker one.
      expect(await me({ cookie: `connect.sid=${crypto.randomUUID()}; session=${b}` })).toBeNull();
      const seen: string[] = [];
      const probe = new Hono().get("/", async (ctx) => {
        seen.push((await adapter.extractCredentials(ctx))?.type ?? "none");
        return ctx.text("ok");
      });
      for (const headers of [all as Record<string, string>, { authorization: `Bearer ${c}` }, { authorization: basic("x", "y") }, { "x-api-key": "k" }, {}]) await probe.request("/", { headers });
      expect(seen).toEqual(["session", "bearer", "basic", "apiKey", "none"]);
      void app;
    });

    it("splits Basic at the first colon and persists no session", async () => {
      const { dave, me, passwordCalls } = setup();
      const before = (await store.getByUser!(dave)).length;
      const user = await me({ authorization: basic("dave", "pa:ss:word") });
      expect(user.id).toBe(dave);
      expect(user.sessionId).toMatch(/^basic:/);
      expect(passwordCalls).toEqual([["dave", "pa:ss:word"]]);
      await me({ authorization: basic("dave", "pa:ss:word") });
      expect((await store.getByUser!(dave)).length).toBe(before);
      expect(await me({ authorization: basic("dave", "wrong") })).toBeNull();
    });

    it("ignores malformed and oversized Basic credentials without calling validatePassword", async () => {
      const { me, passwordCalls } = setup();
      for (const authorization of ["Basic", "Basic !!!!", "Basic " + btoa("no-colon-here"), "Basic " + "QUFB".repeat(2000), "Basic " + btoa("\xff\xfe:x"), "Basic a b"]) {
        expect(await me({ authorization })).toBeNull();
      }
      expect(passwordCalls).toEqual([]);
    });

    it("rejects unknown and oversized API keys; a key's user must still exist", async () => {
      const { erin, me, apiKeyCalls, adapter } = setup();
      expect(await me({ "x-api-key": "ck_live.wrong" })).toBeNull();
      expect(await me({ "x-api-key": "k".repeat(5000) })).toBeNull();
      expect(apiKeyCalls).toEqual(["ck_live.wrong"]);
      const gone = createPassportAdapter({ getUserById: async () => null, sessionStore: store, validateApiKey: async () => ({ userId: erin }) });
      expect(await gone.validateCredentials({ type: "apiKey", key: "anything" })).toBeNull();
      void adapter;
    });

    it("issues through toStrategy with rotation of every carried id, and logout clears both cookies", async () => {
      const { alice, bob, login, me, app } = setup();
      const old = await login(bob);
      const viaConnect = await login(bob);
      const res = await app.request(`/login/${alice}`, { method: "POST", headers: { cookie: `connect.sid=${viaConnect}; session=${old}` } });
      const fresh = setCookies(res).get("session")!;
      expect(fresh.attributes).toMatch(/HttpOnly/);
      expect(fresh.attributes).toMatch(/SameSite=Lax/);
      expect(await store.get(old)).toBeNull();
      expect(await store.get(viaConnect)).toBeNull();
      expect((await me({ cookie: `session=${fresh.value}` })).id).toBe(alice);
      const out = await app.request("/logout", { method: "POST", headers: { cookie: `session=${fresh.value}` } });
      const cleared = setCookies(out);
      expect(cleared.get("session")!.attributes).toMatch(/Max-Age=0/);
      expect(cleared.get("connect.sid")!.attributes).toMatch(/Max-Age=0/);
      expect(await me({ cookie: `session=${fresh.value}` })).toBeNull();
      expect(await store.get(fresh.value)).toBeNull();
    });

    it("logout revokes a bearer session id too", async () => {
      const { alice, login, me, app } = setup();
      const sid = await login(alice);
      await app.request("/logout", { method: "POST", headers: { authorization: `Bearer ${sid}` } });
      expect(await me({ authorization: `Bearer ${sid}` })).toBeNull();
    });

    it("toStrategy takes useAuth's cookie name and a Max-Age in ms (legacy path)", async () => {
      const { alice, adapter } = setup();
      const app = strategyApp(adapter.toStrategy({ cookieName: "app_session", cookieOptions: { maxAge: 604_800_000 } }));
      const cookie = setCookies(await app.request(`/login/${alice}`, { method: "POST" })).get("app_session")!;
      expect(cookie.attributes).toMatch(/Max-Age=604800/);
      expect(cookie.attributes).toMatch(/Expires=/);
      const res = await app.request("/me", { headers: { cookie: `app_session=${cookie.value}` } });
      expect(((await res.json()) as { user: { id: string } }).user.id).toBe(alice);
    });

    it("implements the README adapter contract", async () => {
      const { alice, adapter, login } = setup();
      const sid = await login(alice);
      const auth = await adapter.validateCredentials({ type: "session", sessionId: sid });
      expect(auth!.user).toMatchObject({ id: alice, sessionId: sid });
      expect((await adapter.validateCredentials({ type: "bearer", token: sid }))!.user.id).toBe(alice);
      const app = new Hono();
      app.get("/session", async (c) => c.json(await adapter.getSession!(c)));
      app.post("/invalidate", async (c) => {
        await adapter.invalidateSession!(c);
        return c.text("ok");
      });
      app.post("/create", async (c) => c.json(await adapter.createSession!(c, alice, { source: "legacy" })));
      expect(((await (await app.request("/session", { headers: { cookie: `session=${sid}` } })).json()) as { userId: string }).userId).toBe(alice);
      await app.request("/invalidate", { method: "POST", headers: { cookie: `session=${sid}` } });
      expect(await store.get(sid)).toBeNull();
      const created = (await (await app.request("/create", { method: "POST" })).json()) as { sessionId: string };
      expect((await store.get(created.sessionId))!.data).toMatchObject({ source: "legacy" });
      await login(alice);
      expect(await adapter.invalidateUserSessions!(alice, created.sessionId)).toBe(1);
      expect(await store.get(created.sessionId)).not.toBeNull();
    });

    it("treats hostile session ids in every transport as anonymous", async () => {
      const { alice, login, me } = setup();
      const sid = await login(alice);
      for (const hostile of HOSTILE_IDS) {
        const value = encodeURIComponent(hostile);
        expect(await me({ cookie: `connect.sid=${value}` })).toBeNull();
        expect(await me({ cookie: `session=${value}` })).toBeNull();
        if (!/[\s\u0080-\uffff]/.test(hostile)) expect(await me({ authorization: `Bearer ${hostile}` })).toBeNull();
      }
      expect((await me({ cookie: `session=${sid}` })).id).toBe(alice);
    });
  });
}
