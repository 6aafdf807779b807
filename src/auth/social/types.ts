/**
 * Shapes of social login (spec 40 §17): the account a provider vouches for, a provider as the
 * social routes drive it, and the `social` options of `useAuth`.
 * @module
 */
import type { Context } from "hono";
import type { KvStore } from "../../ports/kv-store.js";
import type { AuthUser } from "../types.js";

type MaybePromise<T> = T | Promise<T>;

/** The normalised profile of a social account. */
export interface SocialProfile {
  /** The provider's account id (never empty once accepted). */
  id: string;
  email: string | null;
  name: string | null;
  image: string | null;
  username: string | null;
  /** The provider's user JSON as it came (Passport's `profile._json`, else the profile itself). */
  raw: unknown;
}

/** What the provider returned from the token endpoint; handed to `findOrCreateUser` as `account.info`. */
export interface SocialTokens {
  accessToken: string;
  refreshToken: string | null;
  /** The whole token response, tokens included. */
  params: Record<string, unknown>;
}

/** An account a provider vouched for, passed to `findOrCreateUser` (spec 40 §17). */
export interface SocialAccount {
  /** The provider's name, as in the URL (`github`). */
  provider: string;
  providerAccountId: string;
  profile: SocialProfile;
  /** The profile as the strategy built it (a Passport profile for `fromPassport`). */
  raw: unknown;
  /** The tokens of this login, for apps that call the provider's API afterwards. */
  info?: SocialTokens;
}

/** What must survive from the redirect to the callback, besides our `state`: e.g. a PKCE verifier. */
export type SocialStateBag = Record<string, string>;

/**
 * A social login provider as the routes drive it. `fromPassport(strategy)` builds one; any object
 * of this shape works too.
 */
export interface SocialProvider {
  /** URL segment and `account.provider`. */
  readonly name: string;
  /**
   * Our callback URL as registered with the provider; relative URLs resolve against the request.
   * Default: `<start URL>/callback`.
   */
  readonly callbackUrl?: string;
  /** The upstream authorization URL to redirect to, and the bag to keep until the callback. */
  authorize(input: { redirectUri: string; state: string }): Promise<{ url: string; bag?: SocialStateBag }>;
  /** Exchanges the authorization `code` (once) and loads the account. */
  callback(input: { code: string; redirectUri: string; bag: SocialStateBag }): Promise<SocialAccount>;
}

/** The part of the KV port the state store needs (any `KvStore` fits). */
export type SocialStateStore = Pick<KvStore, "get" | "set" | "compareAndSet">;

/** `useAuth({ social })` (spec 40 §17). */
export interface SocialOptions {
  providers: SocialProvider[];
  /**
   * The app's user for a provider account; `null` refuses the login (401 / `failureRedirect`).
   * Linking to an existing user by email is account takeover unless the provider verified it.
   */
  findOrCreateUser(account: SocialAccount, c: Context): MaybePromise<AuthUser | null>;
  /** Where `useAuth` mounts the routes; default `"/social"`. */
  basePath?: string;
  /** Default `"/"`. */
  successRedirect?: string;
  /** Without it, failures answer 401 `SOCIAL_AUTH_FAILED` JSON. */
  failureRedirect?: string;
  /** Default: the request's KV (app or global) when one exists, else per-process memory. */
  stateStore?: SocialStateStore;
  /** Default `"covara_oauth_state"`. */
  stateCookieName?: string;
  /** Milliseconds; default 600000 (10 min). Also the state cookie's Max-Age. */
  stateTtlMs?: number;
}
