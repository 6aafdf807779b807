/**
 * `fromPassport(strategy)`: any OAuth 2.0 Passport strategy (passport-oauth2 and those built on
 * it, e.g. passport-github2) as a `SocialProvider`, without importing passport. We read the
 * fields the strategy carries and do its HTTP with `fetch`, so the same code runs on Workers.
 * @module
 */
import { bytesToBase64url } from "../../util/base64url.js";
import { exchangeCode, authorizeUrl, fetchOAuth2Client, ProviderRequestError, type PassportOAuth2Client } from "./oauth2-fetch.js";
import type { SocialAccount, SocialProfile, SocialProvider } from "./types.js";

/**
 * The fields `fromPassport` reads: exactly what a passport-oauth2 strategy carries. Any object of
 * this shape works, which is how a Worker without `nodejs_compat` (passport needs Node built-ins)
 * can still describe a provider.
 */
export interface PassportOAuth2Strategy {
  name?: string;
  _oauth2: PassportOAuth2Client;
  _callbackURL?: string;
  _scope?: string | string[];
  _scopeSeparator?: string;
  /** `"S256"` or `"plain"` when the strategy was built with `pkce`. */
  _pkceMethod?: string;
  /** Called with `this` = the strategy whose `_oauth2` is our fetch stand-in. */
  userProfile(accessToken: string, done: (err: unknown, profile?: unknown) => void): void;
  authorizationParams?(options: object): Record<string, unknown>;
  tokenParams?(options: object): Record<string, unknown>;
}

/** A Passport profile (passport's normalised contact schema); every field optional. */
export interface PassportProfile {
  id?: string | number;
  displayName?: string;
  username?: string;
  name?: { givenName?: string; familyName?: string };
  emails?: { value?: string }[];
  photos?: { value?: string }[];
  _json?: unknown;
  [key: string]: unknown;
}

/** Options of `fromPassport`. */
export interface FromPassportOptions {
  /** Overrides the strategy's `name` (needed for a bare passport-oauth2 strategy, named `"oauth2"`). */
  name?: string;
  /** Overrides the strategy's `_scope`. */
  scope?: string | string[];
  /** Builds our profile from the Passport one; default maps `id`, `emails[0]`, `displayName`, `photos[0]`, `username`. */
  mapProfile?(profile: PassportProfile): SocialProfile;
  /** Injected I/O (tests, proxies); default the global `fetch`. */
  fetch?: typeof fetch;
  /** Per provider request; default 10000 ms. */
  timeoutMs?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_BODY_BYTES = 1024 * 1024;

const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);

/** The default profile mapping. */
export function mapPassportProfile(profile: PassportProfile): SocialProfile {
  const fullName = [profile.name?.givenName, profile.name?.familyName].filter(Boolean).join(" ");
  return {
    // Strategies build ids with String(json.id), so a provider answer without an id arrives as "undefined".
    id: profile.id === undefined || profile.id === null || profile.id === "undefined" || profile.id === "null" ? "" : String(profile.id),
    email: text(profile.emails?.[0]?.value),
    name: text(profile.displayName) ?? text(fullName),
    image: text(profile.photos?.[0]?.value),
    username: text(profile.username),
    raw: profile._json ?? profile,
  };
}

/**
 * Adapts an OAuth 2.0 Passport strategy. The name comes from the strategy (or `options.name`);
 * a missing name or `"oauth2"` throws, as does an OAuth 1.0a strategy.
 * @example
 * import { Strategy as GitHubStrategy } from "passport-github2";
 * const github = fromPassport(new GitHubStrategy({ clientID, clientSecret, callbackURL: "/api/auth/social/github/callback", scope: ["user:email"] }, () => {}));
 * useAuth({ session, social: { providers: [github], findOrCreateUser } });
 */
export function fromPassport(strategy: PassportOAuth2Strategy, options: FromPassportOptions = {}): SocialProvider {
  const name = options.name ?? strategy?.name;
  if (!name || name === "oauth2") throw new TypeError('fromPassport: the strategy has no name (or is "oauth2"); pass { name }');
  if (!NAME.test(name)) throw new TypeError(`fromPassport: invalid provider name "${name}"`);
  const client = strategy._oauth2;
  if (!client || typeof client._authorizeUrl !== "string" || typeof client._accessTokenUrl !== "string" || !client._clientId) {
    throw new TypeError(`fromPassport(${name}): not an OAuth 2.0 strategy (OAuth 1.0a is not supported)`);
  }
  if (typeof strategy.userProfile !== "function") throw new TypeError(`fromPassport(${name}): the strategy has no userProfile`);
  const settings = { fetch: options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args)), timeoutMs: options.timeoutMs ?? 10_000, maxBodyBytes: MAX_BODY_BYTES };
  const mapProfile = options.mapProfile ?? mapPassportProfile;
  const scope = options.scope ?? strategy._scope;
  const pkce = strategy._pkceMethod;
  if (pkce !== undefined && pkce !== "S256" && pkce !== "plain") throw new TypeError(`fromPassport(${name}): unsupported PKCE method ${pkce}`);

  return {
    name,
    ...(strategy._callbackURL ? { callbackUrl: strategy._callbackURL } : {}),
    async authorize({ redirectUri, state }) {
      const url = new URL(authorizeUrl(client));
      for (const [key, value] of Object.entries(strategy.authorizationParams?.({}) ?? {})) url.searchParams.set(key, String(value));
      url.searchParams.set("response_type", "code");
      url.searchParams.set("redirect_uri", redirectUri);
      if (scope) url.searchParams.set("scope", Array.isArray(scope) ? scope.join(strategy._scopeSeparator ?? " ") : scope);
      url.searchParams.set("state", state);
      url.searchParams.set("client_id", client._clientId);
      if (!pkce) return { url: url.toString() };
      const verifier = bytesToBase64url(crypto.getRandomValues(new Uint8Array(32)));
      const challenge = pkce === "plain" ? verifier : bytesToBase64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
      url.searchParams.set("code_challenge", challenge);
      url.searchParams.set("code_challenge_method", pkce);
      return { url: url.toString(), bag: { codeVerifier: verifier } };
    },
    async callback({ code, redirectUri, bag }) {
      const extra: Record<string, string> = {};
      for (const [key, value] of Object.entries(strategy.tokenParams?.({}) ?? {})) extra[key] = String(value);
      if (bag.codeVerifier) extra.code_verifier = bag.codeVerifier;
      const tokens = await exchangeCode(client, settings, { code, redirectUri, extra });
      const profile = await loadProfile(strategy, fetchOAuth2Client(client, settings), tokens.accessToken);
      const mapped = mapProfile(profile);
      const account: SocialAccount = { provider: name, providerAccountId: mapped.id, profile: mapped, raw: profile, info: tokens };
      return account;
    },
  };
}

/** Runs the strategy's own `userProfile` with `this._oauth2` = our fetch stand-in; the strategy itself is not modified. */
function loadProfile(strategy: PassportOAuth2Strategy, standIn: Record<string, unknown>, accessToken: string): Promise<PassportProfile> {
  const self = Object.create(strategy, { _oauth2: { value: standIn, enumerable: true } }) as PassportOAuth2Strategy;
  return new Promise((resolve, reject) => {
    try {
      strategy.userProfile.call(self, accessToken, (err, profile) => {
        if (err) reject(err instanceof Error ? err : new ProviderRequestError("Failed to fetch user profile"));
        else if (!profile || typeof profile !== "object") reject(new ProviderRequestError("Failed to fetch user profile"));
        else resolve(profile as PassportProfile);
      });
    } catch (error) {
      reject(error);
    }
  });
}
