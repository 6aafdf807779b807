/**
 * Social login through `createSocialRoutes`, end to end against the fake provider: the redirect,
 * the callback, a real cookieSession login, and every failure of spec 40 §17 / invariant 19
 * (asserting the token endpoint was not contacted and no session was created). Run on Node
 * (real Passport strategies, loopback HTTP) and in workerd (the documented strategy shape).
 */
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import { createMemoryKV } from "../../node-shim/memory/kv-store.js";
import { createSocialRoutes } from "../../src/auth/social/routes.js";
import type { SocialAccount, SocialOptions, SocialProvider, SocialStateStore } from "../../src/auth/social/types.js";
import { cookieSession } from "../../src/auth/sessions/cookie-session.js";
import { InMemorySessionStore } from "../../src/auth/sessions/memory-store.js";
import type { AuthUser } from "../../src/auth/types.js";
import { CLIENT_ID, CLIENT_SECRET, GITHUB_USER, PRIMARY_EMAIL, type FakeProvider } from "./social-fake-provider.js";

/** What a runner supplies. */
export interface SocialSuiteHarness {
  fake: FakeProvider;
  /** A `github` provider against the fake, asking for `user:email`, callback `/auth/social/github/callback`. */
  github(): SocialProvider;
  /** A second provider (`gitlab`) against the same fake. */
  other(): SocialProvider;
  /** The state store of the normal flow. */
  stateStore(): SocialStateStore;
}

const setCookies = (res: Response) => res.headers.getSetCookie();
const cookieValue = (res: Response, name: string) => setCookies(res).find((line) => line.startsWith(`${name}=`))?.split(";")[0]!.slice(name.length + 1);

function build(h: SocialSuiteHarness, overrides: Partial<SocialOptions> = {}) {
  const users = new Map<string, AuthUser>();
  const sessions = new InMemorySessionStore();
  const session = cookieSession({ getUserById: (id) => users.get(id) ?? null, store: sessions });
  const accounts: SocialAccount[] = [];
  const social: SocialOptions = {
    providers: [h.github(), h.other()],
    findOrCreateUser(account) {
      accounts.push(account);
      const user = { id: `${account.provider}:${account.providerAccountId}`, email: account.profile.email, name: account.profile.name, image: account.profile.image };
      users.set(user.id, user);
      return user;
    },
    stateStore: h.stateStore(),
    successRedirect: "/welcome",
    ...overrides,
  };
  const app = new Hono();
  app.route("/auth/social", createSocialRoutes(social, { completeLogin: (c, user) => session.issue(c, user.id) }));
  app.get("/me", async (c) => c.json({ user: (await session.authenticate(c))?.user ?? null }));
  return { app, sessions, accounts };
}

type App = ReturnType<typeof build>["app"];

/** Starts a login; returns the redirect and the state cookie. */
async function start(app: App, provider = "github", base = "http://localhost") {
  const res = await app.request(`${base}/auth/social/${provider}`);
  expect(res.status).toBe(302);
  const cookie = cookieValue(res, "covara_oauth_state");
  expect(cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return { res, location: new URL(res.headers.get("location")!), cookie: cookie! };
}

/** The browser's leg at the provider: follows the authorize URL to our callback URL. */
async function consent(location: URL): Promise<URL> {
  const res = await fetch(location, { redirect: "manual" });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("location")!);
}

const callback = (app: App, url: URL, cookie?: string, path = url.pathname) =>
  app.request(`${path}${url.search}`, cookie === undefined ? {} : { headers: { cookie: `covara_oauth_state=${cookie}` } });

/** Registers the social-login suite. */
export function socialSuite(label: string, getHarness: () => SocialSuiteHarness): void {
  describe(`social login (${label})`, () => {
    let h: SocialSuiteHarness;
    beforeEach(() => {
      h = getHarness();
      h.fake.reset();
    });

    async function expectFailedWithoutExchange(res: Response, sessions: InMemorySessionStore, message?: string) {
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("SOCIAL_AUTH_FAILED");
      if (message) expect(body.error.message).toBe(message);
      expect(h.fake.calls.token).toBe(0);
      expect(cookieValue(res, "session")).toBeUndefined();
      expect(await sessions.getAll()).toHaveLength(0);
      // The state cookie is cleared on every callback.
      expect(setCookies(res).some((line) => line.startsWith("covara_oauth_state=;") && /Max-Age=0/.test(line))).toBe(true);
    }

    it("redirects upstream with response_type, client_id, redirect_uri, scope and our own state", async () => {
      const { app } = build(h);
      const { res, location, cookie } = await start(app);
      expect(`${location.origin}${location.pathname}`).toBe(`${h.fake.baseUrl}/login/oauth/authorize`);
      expect(location.searchParams.get("response_type")).toBe("code");
      expect(location.searchParams.get("client_id")).toBe(CLIENT_ID);
      expect(location.searchParams.get("redirect_uri")).toBe("http://localhost/auth/social/github/callback");
      expect(location.searchParams.get("scope")).toBe("user:email");
      const state = location.searchParams.get("state")!;
      expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(state).not.toBe(cookie);
      expect(location.searchParams.has("client_secret")).toBe(false);
      const line = setCookies(res).find((l) => l.startsWith("covara_oauth_state="))!;
      expect(line).toMatch(/HttpOnly/);
      expect(line).toMatch(/SameSite=Lax/);
      expect(line).toMatch(/Max-Age=600(;|$)/);
      expect(line).toMatch(/Path=\/(;|$)/);
      expect(line).not.toMatch(/Secure/);
      const again = await start(app);
      expect(again.location.searchParams.get("state")).not.toBe(state);
    });

    it("marks the state cookie Secure over https", async () => {
      const { app } = build(h);
      const { res } = await start(app, "github", "https://app.example");
      expect(setCookies(res).find((l) => l.startsWith("covara_oauth_state="))).toMatch(/Secure/);
    });

    it("answers 404 UNKNOWN_PROVIDER as a problem for an unknown provider, setting no cookie", async () => {
      const { app } = build(h);
      for (const path of ["/auth/social/facebook", "/auth/social/facebook/callback?code=x&state=y"]) {
        const res = await app.request(path);
        expect(res.status).toBe(404);
        expect(res.headers.get("content-type")).toBe("application/problem+json");
        const body = (await res.json()) as { code: string; status: number; type: string };
        expect(body).toMatchObject({ code: "UNKNOWN_PROVIDER", status: 404 });
        expect(setCookies(res)).toHaveLength(0);
      }
      expect(h.fake.calls.authorize + h.fake.calls.token).toBe(0);
    });

    it("logs the user in: exact token request, profile with primary email, cookie session, success redirect", async () => {
      const { app, accounts, sessions } = build(h);
      const { location, cookie } = await start(app);
      const back = await consent(location);
      const res = await callback(app, back, cookie);
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/welcome");
      expect(h.fake.violations).toEqual([]);
      expect(h.fake.calls.token).toBe(1);
      const [request] = h.fake.tokenRequests;
      expect(request!.contentType).toMatch(/^application\/x-www-form-urlencoded/);
      expect(request!.form).toEqual({
        grant_type: "authorization_code",
        code: back.searchParams.get("code"),
        redirect_uri: "http://localhost/auth/social/github/callback",
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
      });

      expect(accounts).toHaveLength(1);
      const account = accounts[0]!;
      expect(account.provider).toBe("github");
      expect(account.providerAccountId).toBe(String(GITHUB_USER.id));
      expect(account.profile).toMatchObject({ id: "4242", email: PRIMARY_EMAIL, name: "Octo Cat", image: GITHUB_USER.avatar_url, username: "octocat" });
      expect(account.profile.raw).toMatchObject({ login: "octocat" });
      expect(account.info?.accessToken).toMatch(/^gho_/);

      const sessionId = cookieValue(res, "session");
      expect(sessionId).toBeTruthy();
      expect(await sessions.getAll()).toHaveLength(1);
      const me = await app.request("/me", { headers: { cookie: `session=${sessionId}` } });
      expect(await me.json()).toMatchObject({ user: { id: "github:4242", email: PRIMARY_EMAIL, name: "Octo Cat" } });
      expect(setCookies(res).some((l) => l.startsWith("covara_oauth_state=;"))).toBe(true);
    });

    it("rejects a replayed callback without a second code exchange", async () => {
      const { app, sessions } = build(h);
      const { location, cookie } = await start(app);
      const back = await consent(location);
      expect((await callback(app, back, cookie)).status).toBe(302);
      const replay = await callback(app, back, cookie);
      expect(replay.status).toBe(401);
      expect(((await replay.json()) as { error: { code: string } }).error.code).toBe("SOCIAL_AUTH_FAILED");
      expect(h.fake.calls.token).toBe(1);
      expect(await sessions.getAll()).toHaveLength(1);
    });

    it("lets exactly one of two concurrent callbacks with one state through", async () => {
      const { app, sessions } = build(h);
      const { location, cookie } = await start(app);
      const back = await consent(location);
      const results = await Promise.all([callback(app, back, cookie), callback(app, back, cookie)]);
      expect(results.map((r) => r.status).sort()).toEqual([302, 401]);
      expect(h.fake.calls.token).toBe(1);
      expect(await sessions.getAll()).toHaveLength(1);
    });

    it("fails without the state cookie, before any code exchange", async () => {
      const { app, sessions } = build(h);
      const { location } = await start(app);
      await expectFailedWithoutExchange(await callback(app, await consent(location)), sessions, "Invalid or expired login state");
    });

    it("fails with an unknown, malformed or oversized state cookie", async () => {
      const { app, sessions } = build(h);
      const { location } = await start(app);
      const back = await consent(location);
      for (const cookie of ["A".repeat(43), "not-a-state", "x".repeat(5000), ""]) {
        await expectFailedWithoutExchange(await callback(app, back, cookie), sessions, "Invalid or expired login state");
      }
    });

    it("fails on a tampered, missing or oversized state parameter, and the record is spent", async () => {
      const { app, sessions } = build(h);
      const { location, cookie } = await start(app);
      const back = await consent(location);
      const tampered = new URL(back);
      const state = back.searchParams.get("state")!;
      tampered.searchParams.set("state", `${state.slice(0, -1)}${state.endsWith("A") ? "B" : "A"}`);
      await expectFailedWithoutExchange(await callback(app, tampered, cookie), sessions, "Login state mismatch");
      // The record went on first read: the genuine callback cannot follow.
      await expectFailedWithoutExchange(await callback(app, back, cookie), sessions, "Invalid or expired login state");

      const second = await start(app);
      const missing = new URL(await consent(second.location));
      missing.searchParams.delete("state");
      await expectFailedWithoutExchange(await callback(app, missing, second.cookie), sessions, "Login state mismatch");

      const third = await start(app);
      const oversized = new URL(await consent(third.location));
      oversized.searchParams.set("state", "s".repeat(20_000));
      await expectFailedWithoutExchange(await callback(app, oversized, third.cookie), sessions, "Login state mismatch");
    });

    it("fails when the state was issued for another provider", async () => {
      const { app, sessions } = build(h);
      const { location, cookie } = await start(app, "github");
      const back = await consent(location);
      await expectFailedWithoutExchange(await callback(app, back, cookie, "/auth/social/gitlab/callback"), sessions, "Login state belongs to another provider");
    });

    it("fails on an expired state", async () => {
      let now = Date.now();
      const { app, sessions } = build(h, { stateStore: createMemoryKV({ now: () => now }), stateTtlMs: 60_000 });
      const { res, location, cookie } = await start(app);
      expect(setCookies(res).find((l) => l.startsWith("covara_oauth_state="))).toMatch(/Max-Age=60(;|$)/);
      const back = await consent(location);
      now += 60_001;
      await expectFailedWithoutExchange(await callback(app, back, cookie), sessions, "Invalid or expired login state");
    });

    it("fails when the user denied access upstream, without a code exchange", async () => {
      const { app, sessions } = build(h);
      const { location, cookie } = await start(app);
      const denied = new URL("http://localhost/auth/social/github/callback");
      denied.searchParams.set("error", "access_denied");
      denied.searchParams.set("state", location.searchParams.get("state")!);
      await expectFailedWithoutExchange(await callback(app, denied, cookie), sessions, "Authorization was denied");
    });

    it("fails when the provider rejects the code", async () => {
      const { app, sessions } = build(h);
      const { location, cookie } = await start(app);
      const back = new URL(await consent(location));
      back.searchParams.set("code", "forged-code");
      const res = await callback(app, back, cookie);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe("Could not complete login with the provider");
      expect(h.fake.calls.token).toBe(1);
      expect(h.fake.calls.user).toBe(0);
      expect(await sessions.getAll()).toHaveLength(0);
    });

    it("rejects an account without a provider id", async () => {
      const { app, sessions, accounts } = build(h);
      h.fake.options.userWithoutId = true;
      const { location, cookie } = await start(app);
      const res = await callback(app, await consent(location), cookie);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe("The provider returned no account id");
      expect(accounts).toHaveLength(0);
      expect(await sessions.getAll()).toHaveLength(0);
    });

    it("fails when findOrCreateUser refuses the account", async () => {
      const { app, sessions } = build(h, { findOrCreateUser: () => null });
      const { location, cookie } = await start(app);
      const res = await callback(app, await consent(location), cookie);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe("Login refused");
      expect(await sessions.getAll()).toHaveLength(0);
    });

    it("redirects to failureRedirect instead of answering 401, clearing the state cookie", async () => {
      const { app, sessions } = build(h, { failureRedirect: "/login?failed=1" });
      const { location } = await start(app);
      const res = await callback(app, await consent(location), "A".repeat(43));
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/login?failed=1");
      expect(setCookies(res).some((l) => l.startsWith("covara_oauth_state=;"))).toBe(true);
      expect(h.fake.calls.token).toBe(0);
      expect(await sessions.getAll()).toHaveLength(0);
    });
  });
}
