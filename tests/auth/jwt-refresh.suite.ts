/**
 * Refresh tokens, logout and revocation of `jwtSession` (spec 40 §4, §5, §6.2, §19 inv. 3, 7):
 * the refresh cookie, `POST /refresh` and its plain-JSON errors, rotation with a store (single use,
 * also under concurrent reuse), logout, "log out everywhere", and reuse without a store.
 * Runs on Node and inside workerd, once per refresh store backend.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { jwtSession, type RefreshTokenStore } from "../../src/auth/index.js";
import { appFor, claims, cookieValue, getUserById, login, refreshWithBody, refreshWithCookie, resetUsers, secretBytes, SECRET, setCookieFor, sign, users, whoAmI } from "./jwt-fixtures.js";

/** A refresh store backend to run the rotation tests on. */
export interface RefreshStoreCase {
  name: string;
  make: () => RefreshTokenStore;
}

async function errorOf(res: Response): Promise<{ status: number; code: string; contentType: string | null }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(typeof body.error.message).toBe("string");
  return { status: res.status, code: body.error.code, contentType: res.headers.get("content-type") };
}

/** The JWT refresh suite. */
export function jwtRefreshSuite(stores: RefreshStoreCase[]): void {
  beforeEach(() => resetUsers());

  describe("jwt: refresh cookie", () => {
    const app = appFor(jwtSession({ getUserById, secret: SECRET }));

    it("is HttpOnly, SameSite=Strict, Path=/, Max-Age = refresh TTL, not Secure over plain http", async () => {
      const line = setCookieFor((await login(app)).res)!;
      expect(line).toMatch(/; HttpOnly/);
      expect(line).toMatch(/; SameSite=Strict/);
      expect(line).toMatch(/; Path=\//);
      expect(line).toMatch(/; Max-Age=604800/);
      expect(line).not.toMatch(/Secure/);
    });

    it("is Secure over https or in production (Worker vars), unless overridden; name and TTL are configurable", async () => {
      expect(setCookieFor((await login(app, "u1", "https://example.com")).res)).toMatch(/; Secure/);
      expect(setCookieFor(await app.request("/login/u1", { method: "POST" }, { NODE_ENV: "production" }))).toMatch(/; Secure/);
      const custom = appFor(jwtSession({ getUserById, secret: SECRET, refreshCookieName: "rt", refreshTokenTtl: 3600, refreshCookie: { secure: false } }));
      const res = await custom.request("https://example.com/login/u1", { method: "POST" });
      const line = setCookieFor(res, "rt")!;
      expect(line).toMatch(/; Max-Age=3600/);
      expect(line).not.toMatch(/Secure/);
    });
  });

  describe("jwt: POST /refresh without a store", () => {
    const app = appFor(jwtSession({ getUserById, secret: SECRET }));

    it("trades the cookie for a working access token; the refresh token stays reusable until expiry", async () => {
      const { cookie } = await login(app);
      for (let i = 0; i < 2; i++) {
        const res = await refreshWithCookie(app, cookie);
        expect(res.status).toBe(200);
        const body = (await res.json()) as Record<string, unknown>;
        expect(body).toEqual({ accessToken: expect.any(String), expiresIn: 900, tokenType: "Bearer" });
        expect(setCookieFor(res)).toBeUndefined();
        expect(await whoAmI(app, body.accessToken as string)).toMatchObject({ id: "u1", email: "ada@example.com" });
      }
    });

    it("takes { refreshToken } from the body when there is no cookie", async () => {
      const { refreshToken } = await login(app);
      const res = await refreshWithBody(app, { refreshToken });
      expect(res.status).toBe(200);
      expect(await res.json()).not.toHaveProperty("refreshToken");
    });

    it("answers 400 NO_REFRESH_TOKEN for a missing, empty, non-string or unreadable token", async () => {
      for (const body of ["", "{}", { refreshToken: "" }, { refreshToken: 42 }, { refreshToken: ["a"] }, "{not json", "[1]"]) {
        expect(await errorOf(await refreshWithBody(app, body))).toEqual({ status: 400, code: "NO_REFRESH_TOKEN", contentType: expect.stringContaining("application/json") });
      }
    });

    it("answers 401 INVALID_REFRESH_TOKEN for an access token, garbage, a forged or an oversized token", async () => {
      const { accessToken, refreshToken } = await login(app);
      const [h, p, s] = refreshToken.split(".") as [string, string, string];
      const forged = await sign(claims({ typ: "refresh" }), new TextEncoder().encode("another-secret-another-secret-12345"));
      for (const token of [accessToken, "garbage", `${h}.${p}.${s.slice(0, -2)}xx`, forged, `${h}.${"A".repeat(10_000)}.${s}`]) {
        expect(await errorOf(await refreshWithBody(app, { refreshToken: token }))).toMatchObject({ status: 401, code: "INVALID_REFRESH_TOKEN" });
      }
      // A 1 MB cookie is rejected by length; a 1 MB body is not even read (over the 64 KB body cap).
      expect(await errorOf(await refreshWithCookie(app, `${h}.${"A".repeat(1024 * 1024)}.${s}`))).toMatchObject({ status: 401, code: "INVALID_REFRESH_TOKEN" });
      expect(await errorOf(await refreshWithBody(app, { refreshToken: `${h}.${"A".repeat(1024 * 1024)}.${s}` }))).toMatchObject({ status: 400, code: "NO_REFRESH_TOKEN" });
    });

    it("answers 401 REFRESH_TOKEN_EXPIRED for an authentic expired token and clears the cookie", async () => {
      const expired = await sign(claims({ typ: "refresh", exp: Math.floor(Date.now() / 1000) - 120 }), secretBytes);
      const res = await refreshWithCookie(app, expired);
      expect(await errorOf(res)).toMatchObject({ status: 401, code: "REFRESH_TOKEN_EXPIRED" });
      expect(setCookieFor(res)).toMatch(/Max-Age=0/);
    });

    it("answers 401 USER_NOT_FOUND once the user is gone", async () => {
      const { cookie } = await login(app, "u2");
      users.delete("u2");
      expect(await errorOf(await refreshWithCookie(app, cookie))).toMatchObject({ status: 401, code: "USER_NOT_FOUND" });
    });

    it("re-reads the user on refresh, so profile changes reach the new access token", async () => {
      const { cookie } = await login(app);
      users.set("u1", { ...users.get("u1")!, name: "Ada L.", metadata: { role: "user" } });
      const { accessToken } = (await (await refreshWithCookie(app, cookie)).json()) as { accessToken: string };
      expect(await whoAmI(app, accessToken)).toMatchObject({ name: "Ada L.", metadata: { role: "user" } });
    });

    it("logout answers 200 even when anonymous, and clears the cookie", async () => {
      const res = await app.request("/logout", { method: "POST" });
      expect(res.status).toBe(200);
      expect(setCookieFor(res)).toMatch(/^refreshToken=;.*Max-Age=0/);
      expect(jwtSession({ getUserById, secret: SECRET }).invalidateUserSessions).toBeUndefined();
    });
  });

  for (const backend of stores) {
    describe(`jwt: rotating refresh tokens (${backend.name})`, () => {
      const setup = () => {
        const strategy = jwtSession({ getUserById, secret: SECRET, refreshStore: backend.make() });
        return { strategy, app: appFor(strategy) };
      };

      it("a refresh token works once; its successor arrives in the cookie; reuse is 401 TOKEN_REVOKED", async () => {
        const { app } = setup();
        const { cookie } = await login(app);
        const first = await refreshWithCookie(app, cookie);
        expect(first.status).toBe(200);
        expect(await first.json()).not.toHaveProperty("refreshToken");
        const next = cookieValue(setCookieFor(first))!;
        expect(next).not.toBe(cookie);
        const reuse = await refreshWithCookie(app, cookie);
        expect(await errorOf(reuse)).toMatchObject({ status: 401, code: "TOKEN_REVOKED" });
        expect(setCookieFor(reuse)).toMatch(/Max-Age=0/);
        expect((await refreshWithCookie(app, next)).status).toBe(200);
      });

      it("a body client gets its successor in the body", async () => {
        const { app } = setup();
        const { refreshToken } = await login(app);
        const res = await refreshWithBody(app, { refreshToken });
        const body = (await res.json()) as { refreshToken: string };
        expect(typeof body.refreshToken).toBe("string");
        expect(setCookieFor(res)).toBeUndefined();
        expect((await refreshWithBody(app, { refreshToken })).status).toBe(401);
        expect((await refreshWithBody(app, { refreshToken: body.refreshToken })).status).toBe(200);
      });

      it("of concurrent redemptions of one token exactly one wins", async () => {
        const { app } = setup();
        const { cookie } = await login(app);
        const results = await Promise.all(Array.from({ length: 8 }, () => refreshWithCookie(app, cookie)));
        expect(results.filter((r) => r.status === 200)).toHaveLength(1);
        for (const res of results.filter((r) => r.status !== 200)) expect(await errorOf(res)).toMatchObject({ status: 401, code: "TOKEN_REVOKED" });
      });

      it("logout revokes the cookie's refresh token; a bearer-only logout ends its login too", async () => {
        const { app } = setup();
        const a = await login(app);
        const out = await app.request("/logout", { method: "POST", headers: { cookie: `refreshToken=${a.cookie}` } });
        expect(out.status).toBe(200);
        expect(setCookieFor(out)).toMatch(/Max-Age=0/);
        expect(await errorOf(await refreshWithBody(app, { refreshToken: a.refreshToken }))).toMatchObject({ code: "TOKEN_REVOKED" });

        const b = await login(app);
        await app.request("/logout", { method: "POST", headers: { authorization: `Bearer ${b.accessToken}` } });
        expect(await errorOf(await refreshWithBody(app, { refreshToken: b.refreshToken }))).toMatchObject({ code: "TOKEN_REVOKED" });
      });

      it("a new login revokes the refresh token the browser already holds", async () => {
        const { app } = setup();
        const a = await login(app);
        const again = await app.request("/login/u1", { method: "POST", headers: { cookie: `refreshToken=${a.cookie}` } });
        expect(again.status).toBe(200);
        expect(await errorOf(await refreshWithCookie(app, a.cookie))).toMatchObject({ code: "TOKEN_REVOKED" });
        expect((await refreshWithCookie(app, cookieValue(setCookieFor(again))!)).status).toBe(200);
      });

      it("invalidateUserSessions ends every login of one user except the named session", async () => {
        const { app, strategy } = setup();
        const keep = await login(app);
        const drop = await login(app);
        const other = await login(app, "u2");
        const keepSession = (await whoAmI(app, keep.accessToken))!.sessionId as string;
        expect(await strategy.invalidateUserSessions!("u1", keepSession)).toBe(1);
        expect((await refreshWithCookie(app, keep.cookie)).status).toBe(200);
        expect(await errorOf(await refreshWithCookie(app, drop.cookie))).toMatchObject({ code: "TOKEN_REVOKED" });
        expect((await refreshWithCookie(app, other.cookie)).status).toBe(200);
        expect(await strategy.invalidateUserSessions!("u2")).toBe(1);
        expect(await strategy.invalidateUserSessions!("u2")).toBe(0);
      });

      it("a refresh token whose record belongs to another user is revoked", async () => {
        const { app } = setup();
        const { refreshToken } = await login(app);
        const [, payload] = refreshToken.split(".");
        const claimsOf = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
        // Same jti, re-signed for u2: the record names u1, so the store refuses it.
        const swapped = await sign({ ...claimsOf, sub: "u2" }, secretBytes);
        expect(await errorOf(await refreshWithBody(app, { refreshToken: swapped }))).toMatchObject({ code: "TOKEN_REVOKED" });
      });
    });
  }
}
