/**
 * `createPassportAdapter(…)`: the README's server-session adapter (spec 40 §6.1). Sessions come
 * from the `connect.sid` or session cookie or a bearer session id; `Basic` and `X-API-Key` are
 * checked per request through the app's callbacks and persist nothing ([dev]: Covara stored a
 * new session on every Basic request). `toStrategy()` runs it inside `useAuth`.
 * @module
 */
import type { Context } from "hono";
import type { AuthAdapter, Authenticated, AuthCredentials, AuthUser, GetUserById, GetUserContext, SessionStore, SessionStrategy } from "../types.js";
import { clearSessionCookie, setSessionCookie, type SessionCookieOptions } from "./cookies.js";
import { storeResolver } from "./default-store.js";
import { carriedSessionIds, extractPassportCredentials } from "./passport-credentials.js";
import { sessionCore } from "./session-core.js";
import { toUserContext } from "./user-context.js";

type MaybePromise<T> = T | Promise<T>;

/** Options of `createPassportAdapter`. */
export interface PassportAdapterOptions {
  getUserById: GetUserById;
  /** Checks `Authorization: Basic` credentials; the user, or null. */
  validatePassword?: (username: string, password: string) => MaybePromise<AuthUser | null>;
  /** Checks an `X-API-Key`; its scopes land in `user.metadata.apiKeyScopes`. */
  validateApiKey?: (key: string) => MaybePromise<{ userId: string; scopes?: string[] } | null>;
  /** Default: KV on the request's/global KV when one exists, else one in-memory store. */
  sessionStore?: SessionStore;
  /** Milliseconds; default 86400000 (24 h). */
  sessionTtlMs?: number;
  getUserContext?: GetUserContext;
  /** Cookie set on login; default `"session"` (`connect.sid` is always read too). */
  cookieName?: string;
  cookieOptions?: SessionCookieOptions;
  /** Clock in epoch ms (tests inject one). */
  now?: () => number;
}

/** The Passport adapter: an `AuthAdapter` that also runs as a `SessionStrategy`. */
export type PassportAdapter = AuthAdapter & {
  toStrategy(overrides?: { cookieName?: string; cookieOptions?: SessionCookieOptions }): SessionStrategy;
  sessionStore: SessionStore;
};

/**
 * Server sessions plus Basic and API-key authentication, Passport-style.
 * @example
 * const adapter = createPassportAdapter({ getUserById, validateApiKey: async (key) => lookUp(key) });
 * const { router, middleware } = useAuth({ adapter, login: { validateCredentials } });
 */
export function createPassportAdapter(options: PassportAdapterOptions): PassportAdapter {
  const ttlMs = options.sessionTtlMs ?? 86_400_000;
  if (!(ttlMs > 0)) throw new TypeError("createPassportAdapter: sessionTtlMs must be a positive number of milliseconds");
  const now = options.now ?? Date.now;
  const stores = storeResolver(options.sessionStore);
  const core = sessionCore({ getUserById: options.getUserById, stores, ttlMs, getUserContext: options.getUserContext, now });
  const baseCookie = { cookieName: options.cookieName ?? "session", cookieOptions: options.cookieOptions };

  /** A per-request identity (Basic, API key): nothing stored, valid for this request. */
  const perRequest = async (user: AuthUser | null, sessionId: string, extra?: Record<string, unknown>): Promise<Authenticated | null> => {
    if (!user) return null;
    return { user: await toUserContext(user, sessionId, new Date(now() + ttlMs), options.getUserContext, extra) };
  };

  const validate = async (c: Context | undefined, credentials: AuthCredentials): Promise<Authenticated | null> => {
    switch (credentials.type) {
      case "session":
        return core.load(c, credentials.sessionId);
      case "bearer":
        return core.load(c, credentials.token);
      case "basic":
        if (!options.validatePassword) return null;
        return perRequest(await options.validatePassword(credentials.username, credentials.password), `basic:${crypto.randomUUID()}`);
      case "apiKey": {
        const found = options.validateApiKey ? await options.validateApiKey(credentials.key) : null;
        if (!found) return null;
        const user = await options.getUserById(found.userId);
        return perRequest(user, `apikey:${credentials.key.slice(0, 8)}`, { apiKeyScopes: found.scopes ?? [] });
      }
      default:
        return null;
    }
  };

  const sessionIdOf = (credentials: AuthCredentials | null): string | undefined =>
    credentials?.type === "session" ? credentials.sessionId : credentials?.type === "bearer" ? credentials.token : undefined;

  const toStrategy = (overrides: { cookieName?: string; cookieOptions?: SessionCookieOptions } = {}): SessionStrategy => {
    const cookieName = overrides.cookieName ?? baseCookie.cookieName;
    const cookieOptions = overrides.cookieOptions ?? baseCookie.cookieOptions;
    return {
      name: "passport",
      async authenticate(c) {
        const credentials = extractPassportCredentials(c, cookieName);
        return credentials ? validate(c, credentials) : null;
      },
      async issue(c, userId, meta) {
        const { user, session } = await core.mint(c, userId, meta, carriedSessionIds(c, cookieName));
        setSessionCookie(c, cookieName, session.id, session.expiresAt, cookieOptions);
        return { user, sessionId: session.id, expiresAt: session.expiresAt };
      },
      async logout(c) {
        for (const id of carriedSessionIds(c, cookieName)) await core.revoke(c, id);
        clearSessionCookie(c, cookieName, cookieOptions);
        if (cookieName !== "connect.sid") clearSessionCookie(c, "connect.sid", cookieOptions);
      },
      invalidateUserSessions: (userId, exceptSessionId) => core.invalidate(userId, exceptSessionId),
      get sessionStore() {
        return stores.current();
      },
    };
  };

  const strategy = toStrategy();
  return {
    name: "passport",
    extractCredentials: (c) => extractPassportCredentials(c, baseCookie.cookieName),
    validateCredentials: (credentials) => validate(undefined, credentials),
    getSession: async (c) => core.find(c, sessionIdOf(extractPassportCredentials(c, baseCookie.cookieName))),
    invalidateSession: async (c) => core.revoke(c, sessionIdOf(extractPassportCredentials(c, baseCookie.cookieName))),
    createSession: (c, userId, data) => strategy.issue(c, userId, data),
    invalidateUserSessions: (userId, exceptSessionId) => core.invalidate(userId, exceptSessionId),
    toStrategy,
    get sessionStore() {
      return stores.current();
    },
  };
}
