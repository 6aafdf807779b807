/**
 * Social login inside workerd: the suite tests/auth/social.test.ts runs on Node, here with the
 * state on the KV Durable Object and on memory. Passport itself needs Node built-ins, so the
 * provider is the documented strategy shape (exactly the fields `fromPassport` reads), with a
 * GitHub-style `userProfile` calling `this._oauth2.get`. The fake provider is reached through the
 * global `fetch`, stubbed to route its origin to the fake's handler: our code's real fetch path.
 */
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createDurableObjectKV } from "../../durable-objects/index.js";
import { createMemoryKV } from "../../node-shim/memory/kv-store.js";
import { fromPassport, type PassportOAuth2Strategy } from "../../src/auth/social/from-passport.js";
import { CLIENT_ID, CLIENT_SECRET, createFakeProvider } from "../auth/social-fake-provider.js";
import { socialSuite, type SocialSuiteHarness } from "../auth/social.suite.js";

const fake = createFakeProvider();
fake.baseUrl = "https://oauth.fake.test";

beforeAll(() => {
  const realFetch = globalThis.fetch;
  vi.stubGlobal("fetch", (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    return new URL(request.url).origin === fake.baseUrl ? fake.handle(request) : realFetch(request);
  });
});
afterAll(() => vi.unstubAllGlobals());

type Done = (err: unknown, profile?: unknown) => void;
type OAuthGet = { get(url: string, token: string, cb: (err: unknown, body?: string) => void): void };

/** A provider object with exactly the fields fromPassport reads, shaped like passport-github2. */
function githubShape(name = "github"): PassportOAuth2Strategy {
  return {
    name,
    _oauth2: {
      _clientId: CLIENT_ID,
      _clientSecret: CLIENT_SECRET,
      _baseSite: "",
      _authorizeUrl: `${fake.baseUrl}/login/oauth/authorize`,
      _accessTokenUrl: `${fake.baseUrl}/login/oauth/access_token`,
      _customHeaders: { "User-Agent": "covara-tests" },
      _useAuthorizationHeaderForGET: true,
    },
    _callbackURL: `/auth/social/${name}/callback`,
    _scope: ["user:email"],
    _scopeSeparator: ",",
    userProfile(this: PassportOAuth2Strategy, accessToken: string, done: Done) {
      const oauth2 = this._oauth2 as unknown as OAuthGet;
      oauth2.get(`${fake.baseUrl}/user`, accessToken, (err, body) => {
        if (err) return done(err);
        const json = JSON.parse(body!) as { id?: number; login: string; name: string; avatar_url: string };
        const profile = { id: String(json.id), username: json.login, displayName: json.name, photos: [{ value: json.avatar_url }], _json: json };
        oauth2.get(`${fake.baseUrl}/user/emails`, accessToken, (err2, emails) => {
          if (err2) return done(err2);
          const primary = (JSON.parse(emails!) as { email: string; primary: boolean }[]).find((e) => e.primary);
          done(null, { ...profile, emails: primary ? [{ value: primary.email }] : [] });
        });
      });
    },
  };
}

let stores = 0;
const harness = (stateStore: SocialSuiteHarness["stateStore"]): SocialSuiteHarness => ({
  fake,
  github: () => fromPassport(githubShape()),
  other: () => fromPassport(githubShape("gitlab")),
  stateStore,
});

socialSuite("workerd, strategy shape, Durable Object KV", () => harness(() => createDurableObjectKV(env.COVARA_KV, { prefix: `auth-social-${++stores}` })));
socialSuite("workerd, strategy shape, memory KV", () => harness(() => createMemoryKV()));

describe("fromPassport in workerd", () => {
  it("validates the strategy shape as on Node", () => {
    expect(fromPassport(githubShape()).name).toBe("github");
    expect(() => fromPassport({ ...githubShape(), name: "oauth2" })).toThrow(TypeError);
    expect(() => fromPassport({ ...githubShape(), _oauth2: undefined } as unknown as PassportOAuth2Strategy)).toThrow(/OAuth 1\.0a/);
  });
});
