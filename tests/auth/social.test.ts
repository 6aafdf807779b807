/**
 * Social login on Node: the real passport-github2 and passport-oauth2 strategies, adapted by
 * `fromPassport`, against the fake provider served over loopback with node:http. The shared
 * suite runs on a memory KV and on Redis; tests/workerd/auth-social.test.ts runs it in workerd.
 */
import { createServer, type Server } from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { Hono } from "hono";
import OAuth2Strategy from "passport-oauth2";
import { Strategy as GitHubStrategy } from "passport-github2";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMemoryKV } from "../../node-shim/memory/kv-store.js";
import { createRedisKV, type RedisKvStore } from "../../node-shim/redis/kv-store.js";
import { fromPassport, type PassportOAuth2Strategy } from "../../src/auth/social/from-passport.js";
import { createSocialRoutes } from "../../src/auth/social/routes.js";
import type { SocialAccount } from "../../src/auth/social/types.js";
import { CLIENT_ID, CLIENT_SECRET, createFakeProvider } from "./social-fake-provider.js";
import { socialSuite, type SocialSuiteHarness } from "./social.suite.js";
import { useAuth } from "../../src/auth/use-auth.js";
import { ForbiddenError } from "../../src/errors/problem.js";
import { cookieSession } from "../../src/auth/sessions/cookie-session.js";
import { InMemorySessionStore } from "../../src/auth/sessions/memory-store.js";

const fake = createFakeProvider();
let server: Server;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const response = await fake.handle(new Request(`${fake.baseUrl}${req.url}`, { method: req.method, headers, ...(body ? { body } : {}) }));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const noVerify = () => {};
const github = (name?: string) =>
  new GitHubStrategy(
    {
      clientID: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      callbackURL: `/auth/social/${name ?? "github"}/callback`,
      scope: ["user:email"],
      authorizationURL: `${fake.baseUrl}/login/oauth/authorize`,
      tokenURL: `${fake.baseUrl}/login/oauth/access_token`,
      userProfileURL: `${fake.baseUrl}/user`,
      userEmailURL: `${fake.baseUrl}/user/emails`,
      ...(name ? { name } : {}),
    },
    noVerify,
  ) as unknown as PassportOAuth2Strategy;

const harness = (stateStore: SocialSuiteHarness["stateStore"]): SocialSuiteHarness => ({
  fake,
  github: () => fromPassport(github()),
  other: () => fromPassport(github("gitlab")),
  stateStore,
});

socialSuite("Node, passport-github2, memory KV", () => harness(() => createMemoryKV()));

const redisUrl = process.env.REDIS_URL;
if (redisUrl) {
  const clients: RedisKvStore[] = [];
  let redis: RedisKvStore;
  beforeAll(async () => {
    redis = await createRedisKV({ url: redisUrl, prefix: `covara-test-social:${randomBytes(6).toString("hex")}` });
    clients.push(redis);
  });
  afterAll(async () => {
    const { keys } = await redis.list("", { limit: 1000 });
    await Promise.all(keys.map((key) => redis.delete(key)));
    await Promise.all(clients.map((kv) => kv.close()));
  });
  socialSuite("Node, passport-github2, Redis KV", () => harness(() => redis));
}

/** A bare passport-oauth2 strategy against the fake; `userProfile` given by the test. */
function bare(options: Partial<OAuth2Strategy.StrategyOptions> = {}) {
  return new OAuth2Strategy(
    { clientID: CLIENT_ID, clientSecret: CLIENT_SECRET, authorizationURL: `${fake.baseUrl}/login/oauth/authorize`, tokenURL: `${fake.baseUrl}/login/oauth/access_token`, ...options } as OAuth2Strategy.StrategyOptions,
    noVerify,
  ) as unknown as PassportOAuth2Strategy;
}

async function login(provider: ReturnType<typeof fromPassport>) {
  const accounts: SocialAccount[] = [];
  const app = new Hono();
  app.route(
    "/auth/social",
    createSocialRoutes(
      { providers: [provider], findOrCreateUser: (account) => (accounts.push(account), { id: account.providerAccountId }), stateStore: createMemoryKV() },
      { completeLogin: async (_c, user) => ({ user }) },
    ),
  );
  const startRes = await app.request(`/auth/social/${provider.name}`);
  const cookie = startRes.headers.getSetCookie()[0]!.split(";")[0]!;
  const authorize = new URL(startRes.headers.get("location")!);
  const back = new URL((await fetch(authorize, { redirect: "manual" })).headers.get("location")!);
  const res = await app.request(`${back.pathname}${back.search}`, { headers: { cookie } });
  return { res, accounts, authorize };
}

describe("fromPassport", () => {
  beforeEach(() => fake.reset());

  it("takes the name from the strategy; a missing name or \"oauth2\" throws unless { name } is given", () => {
    expect(fromPassport(github()).name).toBe("github");
    expect(() => fromPassport(bare())).toThrow(/oauth2/);
    expect(() => fromPassport({ ...bare(), name: undefined } as unknown as PassportOAuth2Strategy)).toThrow(TypeError);
    expect(fromPassport(bare(), { name: "acme" }).name).toBe("acme");
    expect(() => fromPassport(bare(), { name: "bad name/../" })).toThrow(/invalid provider name/);
  });

  it("refuses objects that are not OAuth 2.0 strategies (e.g. OAuth 1.0a)", () => {
    const oauth1 = { name: "twitter", _oauth: { _requestUrl: "https://api.twitter.com/oauth/request_token" }, userProfile() {} };
    expect(() => fromPassport(oauth1 as unknown as PassportOAuth2Strategy)).toThrow(/OAuth 1\.0a/);
    expect(() => fromPassport({ name: "x", _oauth2: github()._oauth2 } as unknown as PassportOAuth2Strategy)).toThrow(/userProfile/);
  });

  it("runs a strategy's own userProfile through the fetch stand-in (token in the query, RFC 6750 §2.3) without mutating the strategy", async () => {
    const strategy = bare();
    const original = strategy._oauth2;
    strategy.userProfile = function (this: PassportOAuth2Strategy, accessToken, done) {
      (this._oauth2 as unknown as { get(url: string, token: string, cb: (err: unknown, body?: string) => void): void }).get(`${fake.baseUrl}/user`, accessToken, (err, body) => {
        if (err) return done(err);
        const json = JSON.parse(body!) as { id: number; login: string };
        done(null, { id: json.id, username: json.login, displayName: "From query", _json: json });
      });
    };
    const { res, accounts } = await login(fromPassport(strategy, { name: "acme", scope: "read write" }));
    expect(res.status).toBe(302);
    expect(fake.violations).toEqual([]);
    expect(accounts[0]).toMatchObject({ provider: "acme", providerAccountId: "4242", profile: { username: "octocat", name: "From query", email: null } });
    expect(strategy._oauth2).toBe(original);
  });

  it("rejects the empty profile of a bare passport-oauth2 strategy (no providerAccountId)", async () => {
    const { res, accounts } = await login(fromPassport(bare(), { name: "acme" }));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "SOCIAL_AUTH_FAILED", message: "The provider returned no account id" } });
    expect(accounts).toHaveLength(0);
  });

  it("sends a PKCE S256 challenge and the verifier when the strategy was built with pkce", async () => {
    const strategy = bare({ pkce: true, state: true } as Partial<OAuth2Strategy.StrategyOptions>);
    strategy.userProfile = (_token, done) => done(null, { id: "p-1" });
    const { res, authorize, accounts } = await login(fromPassport(strategy, { name: "pkce" }));
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.status).toBe(302);
    expect(fake.violations).toEqual([]);
    expect(fake.tokenRequests[0]!.form.code_verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(accounts[0]!.providerAccountId).toBe("p-1");
  });

  it("fails cleanly when the provider is unreachable or answers an oversized body", async () => {
    const unreachable = bare({ tokenURL: "http://127.0.0.1:1/token" } as Partial<OAuth2Strategy.StrategyOptions>);
    const down = await login(fromPassport(unreachable, { name: "down" }));
    expect(down.res.status).toBe(401);
    expect(await down.res.json()).toEqual({ error: { code: "SOCIAL_AUTH_FAILED", message: "Could not complete login with the provider" } });

    const huge: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.pathname.endsWith("/access_token")) return fetch(input, init);
      return new Response("x".repeat(1024 * 1024 + 1), { status: 200 });
    };
    const big = await login(fromPassport(github(), { fetch: huge }));
    expect(big.res.status).toBe(401);
    expect(big.accounts).toHaveLength(0);
  });

  it("uses mapProfile when given", async () => {
    const provider = fromPassport(github(), { mapProfile: (p) => ({ id: `gh-${String(p.id)}`, email: null, name: null, image: null, username: null, raw: p }) });
    const { res, accounts } = await login(provider);
    expect(res.status).toBe(302);
    expect(accounts[0]!.providerAccountId).toBe("gh-4242");
  });
});

type Users = Map<string, { id: string; email: string | null }>;

/** The github provider against the fake, creating users into `users` as `gh:<account id>`. */
const githubInto = (users: Users) => ({
  providers: [fromPassport(github())],
  findOrCreateUser(account: SocialAccount) {
    const user = { id: `gh:${account.providerAccountId}`, email: account.profile.email };
    users.set(user.id, user);
    return user;
  },
});

describe("social login through useAuth", () => {
  it("mounts at social.basePath and completes the login like every other path (session, onLogin, /me)", async () => {
    const users = new Map<string, { id: string; email: string | null }>();
    const logins: string[] = [];
    const auth = useAuth({
      session: cookieSession({ getUserById: (id) => users.get(id) ?? null, store: new InMemorySessionStore() }),
      onLogin: (user) => void logins.push(user.id),
      social: {
        ...githubInto(users),
        successRedirect: "/welcome",
        stateStore: createMemoryKV(),
      },
    });
    const app = new Hono().route("/auth", auth.router);
    fake.reset();
    const started = await app.request("http://localhost/auth/social/github");
    expect(started.status).toBe(302);
    const state = started.headers.getSetCookie().find((line) => line.startsWith("covara_oauth_state="))!.split(";")[0]!;
    const upstream = await fetch(started.headers.get("location")!, { redirect: "manual" });
    const back = new URL(upstream.headers.get("location")!);
    const done = await app.request(`${back.pathname}${back.search}`, { headers: { cookie: state } });
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe("/welcome");
    const session = done.headers.getSetCookie().find((line) => line.startsWith("session="))!.split(";")[0]!;
    const me = await (await app.request("/auth/me", { headers: { cookie: session } })).json();
    expect(me.user).toMatchObject({ id: "gh:4242" });
    expect(logins).toEqual(["gh:4242"]);
  });
});

describe("a login refused by onLogin", () => {
  it("leaves no working session behind, through social login and through /login", async () => {
    const users = new Map<string, { id: string; email: string | null }>([["u1", { id: "u1", email: "ada@example.com" }]]);
    const store = new InMemorySessionStore();
    const auth = useAuth({
      session: cookieSession({ getUserById: (id) => users.get(id) ?? null, store }),
      login: { validateCredentials: (email, password) => (email === "ada@example.com" && password === "pw" ? users.get("u1")! : null) },
      onLogin: () => {
        throw new ForbiddenError("Account suspended");
      },
      social: {
        ...githubInto(users),
        stateStore: createMemoryKV(),
      },
    });
    const app = new Hono().route("/auth", auth.router);
    const sessionOf = (res: Response) => res.headers.getSetCookie().filter((line) => line.startsWith("session="));

    const login = await app.request("/auth/login", { method: "POST", body: JSON.stringify({ email: "ada@example.com", password: "pw" }) });
    expect(login.status).toBe(403);
    expect(await store.getAll()).toHaveLength(0);

    fake.reset();
    const started = await app.request("http://localhost/auth/social/github");
    const state = started.headers.getSetCookie().find((line) => line.startsWith("covara_oauth_state="))!.split(";")[0]!;
    const back = new URL((await fetch(started.headers.get("location")!, { redirect: "manual" })).headers.get("location")!);
    const done = await app.request(`${back.pathname}${back.search}`, { headers: { cookie: state } });
    expect(done.status).toBe(401);
    expect(await store.getAll()).toHaveLength(0);
    // The last Set-Cookie for the session expires it.
    expect(sessionOf(done).at(-1)).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/);
    for (const line of sessionOf(done)) {
      const me = await (await app.request("/auth/me", { headers: { cookie: line.split(";")[0]! } })).json();
      expect(me.user).toBeNull();
    }
  });
});
