/**
 * createAuthJsAdapter (spec 40 §6.1 [dev]) over Auth.js's Drizzle tables: the four cookie names
 * and Bearer, `expires > now`, user mapping, issuance that inserts a row and sets
 * `authjs.session-token`, rotation, logout, "log out everywhere", hostile tokens. Runs on
 * better-sqlite3, PGlite, PostgreSQL and D1.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { AUTHJS_SESSION_COOKIES, createAuthJsAdapter } from "../../src/auth/sessions/authjs-adapter.js";
import { strategyApp } from "./sessions-cookie.suite.js";
import { HOSTILE_IDS, setCookies, uid } from "./sessions-fixtures.js";

/** A database holding Auth.js's `user` and `session` tables. */
export interface AuthJsDb {
  db: any;
  tables: { users: any; sessions: any };
}

/** Runs the Auth.js adapter suite on the database `getDb` returns. */
export function authJsAdapterSuite(name: string, getDb: () => AuthJsDb): void {
  describe(`createAuthJsAdapter: ${name}`, () => {
    const setup = async () => {
      const { db, tables } = getDb();
      const alice = uid("alice");
      const bob = uid("bob");
      const verified = new Date("2024-05-01T10:00:00.000Z");
      await db.insert(tables.users).values([
        { id: alice, email: `${alice}@example.com`, name: "Alice", image: "https://img/a.png", emailVerified: verified },
        { id: bob, email: `${bob}@example.com`, name: null, image: null, emailVerified: null },
      ]);
      const adapter = createAuthJsAdapter({ db, tables, getUserContext: async (user) => ({ source: "authjs", email: user.email }) });
      const app = strategyApp(adapter.toStrategy());
      /** An Auth.js-written session row, as the Next.js side would create it. */
      const row = async (userId: string, expiresInMs = 3_600_000) => {
        const sessionToken = crypto.randomUUID();
        await db.insert(tables.sessions).values({ sessionToken, userId, expires: new Date(Date.now() + expiresInMs) });
        return sessionToken;
      };
      const me = async (headers: Record<string, string>) => ((await (await app.request("/me", { headers })).json()) as { user: any }).user;
      const rows = async (userId: string) => db.select().from(tables.sessions).where(eq(tables.sessions.userId, userId));
      return { db, tables, alice, bob, verified, adapter, app, row, me, rows };
    };

    it("authenticates from each of the four Auth.js cookie names and from Bearer", async () => {
      const { alice, row, me } = await setup();
      const token = await row(alice);
      for (const name of AUTHJS_SESSION_COOKIES) expect((await me({ cookie: `${name}=${token}` })).id).toBe(alice);
      expect((await me({ authorization: `Bearer ${token}` })).id).toBe(alice);
      expect(await me({})).toBeNull();
    });

    it("maps the Auth.js user row onto the request user", async () => {
      const { alice, bob, verified, row, me } = await setup();
      const token = await row(alice);
      const user = await me({ cookie: `authjs.session-token=${token}` });
      expect(user).toMatchObject({ id: alice, email: `${alice}@example.com`, name: "Alice", image: "https://img/a.png", sessionId: token });
      expect(new Date(user.emailVerified).getTime()).toBe(verified.getTime());
      expect(user.metadata).toEqual({ source: "authjs", email: `${alice}@example.com` });
      const other = await me({ cookie: `authjs.session-token=${await row(bob)}` });
      expect(other).toMatchObject({ id: bob, name: null, image: null, emailVerified: null });
    });

    it("rejects a session whose expires is past, and a token with no row", async () => {
      const { alice, row, me } = await setup();
      const expired = await row(alice, -1000);
      expect(await me({ cookie: `authjs.session-token=${expired}` })).toBeNull();
      expect(await me({ authorization: `Bearer ${expired}` })).toBeNull();
      expect(await me({ cookie: `authjs.session-token=${crypto.randomUUID()}` })).toBeNull();
    });

    it("issues a session: inserts an Auth.js row and sets authjs.session-token", async () => {
      const { alice, app, rows, me } = await setup();
      const res = await app.request(`/login/${alice}`, { method: "POST" });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { sessionId: string; expiresAt: string; user: { id: string } };
      const cookie = setCookies(res).get("authjs.session-token")!;
      expect(cookie.value).toBe(body.sessionId);
      expect(cookie.attributes).toMatch(/HttpOnly/);
      expect(cookie.attributes).toMatch(/SameSite=Lax/);
      expect(cookie.attributes).toMatch(/Path=\//);
      const stored = await rows(alice);
      expect(stored).toHaveLength(1);
      expect(stored[0].sessionToken).toBe(body.sessionId);
      expect(Math.abs(new Date(stored[0].expires).getTime() - (Date.now() + 30 * 86_400_000))).toBeLessThan(5000);
      expect((await me({ cookie: `authjs.session-token=${cookie.value}` })).id).toBe(alice);
      const secure = await app.request(`https://example.com/login/${alice}`, { method: "POST" });
      expect(setCookies(secure).get("authjs.session-token")!.attributes).toMatch(/Secure/);
    });

    it("rotates on issuance: every session token the request carries is deleted", async () => {
      const { alice, bob, row, app, me } = await setup();
      const planted = await row(bob);
      const legacy = await row(alice);
      const res = await app.request(`/login/${alice}`, { method: "POST", headers: { cookie: `authjs.session-token=${planted}; next-auth.session-token=${legacy}` } });
      const fresh = setCookies(res).get("authjs.session-token")!.value;
      expect(fresh).not.toBe(planted);
      expect(await me({ cookie: `authjs.session-token=${planted}` })).toBeNull();
      expect(await me({ cookie: `next-auth.session-token=${legacy}` })).toBeNull();
      expect((await me({ cookie: `authjs.session-token=${fresh}` })).id).toBe(alice);
    });

    it("refuses to issue for a user that does not exist, inserting nothing", async () => {
      const { db, tables, adapter } = await setup();
      const ghost = uid("ghost");
      const { Hono } = await import("hono");
      const app = new Hono().post("/", async (c) => {
        await expect(adapter.toStrategy().issue(c, ghost)).rejects.toThrow();
        return c.text("ok");
      });
      expect((await app.request("/", { method: "POST" })).status).toBe(200);
      expect(await db.select().from(tables.sessions).where(eq(tables.sessions.userId, ghost))).toEqual([]);
    });

    it("logout deletes the row and expires the cookies the request carried", async () => {
      const { alice, row, app, me, rows } = await setup();
      const token = await row(alice);
      const res = await app.request("/logout", { method: "POST", headers: { cookie: `__Secure-next-auth.session-token=${token}` } });
      expect(res.status).toBe(200);
      const cleared = setCookies(res);
      expect(cleared.get("authjs.session-token")!.attributes).toMatch(/Max-Age=0/);
      expect(cleared.get("__Secure-next-auth.session-token")!.attributes).toMatch(/Secure/);
      expect(await rows(alice)).toEqual([]);
      expect(await me({ cookie: `__Secure-next-auth.session-token=${token}` })).toBeNull();
      expect((await app.request("/logout", { method: "POST" })).status).toBe(200);
    });

    it("invalidateUserSessions deletes a user's rows except one, and counts live ones", async () => {
      const { alice, bob, row, adapter, me, rows } = await setup();
      const keep = await row(alice);
      await row(alice);
      await row(alice);
      await row(alice, -1000);
      const bobs = await row(bob);
      expect(await adapter.invalidateUserSessions!(alice, keep)).toBe(2);
      expect((await rows(alice)).map((r: { sessionToken: string }) => r.sessionToken)).toEqual([keep]);
      expect((await me({ authorization: `Bearer ${bobs}` })).id).toBe(bob);
      expect(await adapter.invalidateUserSessions!(alice)).toBe(1);
      expect(await rows(alice)).toEqual([]);
    });

    it("implements the README adapter contract", async () => {
      const { alice, row, adapter } = await setup();
      const token = await row(alice);
      expect((await adapter.validateCredentials({ type: "session", sessionId: token }))!.user.id).toBe(alice);
      expect((await adapter.validateCredentials({ type: "bearer", token }))!.user.id).toBe(alice);
      expect(await adapter.validateCredentials({ type: "basic", username: "a", password: "b" })).toBeNull();
      const { Hono } = await import("hono");
      const app = new Hono().get("/", async (c) => c.json({ creds: await adapter.extractCredentials(c), session: await adapter.getSession!(c) }));
      const body = (await (await app.request("/", { headers: { cookie: `next-auth.session-token=${token}` } })).json()) as { creds: unknown; session: { userId: string; id: string } };
      expect(body.creds).toEqual({ type: "session", sessionId: token });
      expect(body.session).toMatchObject({ id: token, userId: alice });
    });

    it("treats hostile tokens as anonymous and leaves the tables intact", async () => {
      const { alice, row, me, rows } = await setup();
      const token = await row(alice);
      for (const hostile of HOSTILE_IDS) {
        expect(await me({ cookie: `authjs.session-token=${encodeURIComponent(hostile)}` })).toBeNull();
        if (!/[\s\u0080-\uffff]/.test(hostile) && hostile) expect(await me({ authorization: `Bearer ${hostile}` })).toBeNull();
      }
      expect(await rows(alice)).toHaveLength(1);
      expect((await me({ cookie: `authjs.session-token=${token}` })).id).toBe(alice);
    });

    it("refuses tables that lack Auth.js's columns", () => {
      const { db, tables } = getDb();
      expect(() => createAuthJsAdapter({ db, tables: { users: tables.users, sessions: tables.users } })).toThrow(/sessionToken/);
    });
  });
}
