/**
 * `cookieSession(…)`: server-side sessions carried by an HttpOnly cookie (spec 40 §6.2). The id is
 * a random UUID, the user is re-read on every request, every issuance rotates the id (the
 * session named by the incoming cookie is deleted first), and use stamps `lastActiveAt`.
 * @module
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { GetUserById, GetUserContext, SessionStore, SessionStrategy } from "../types.js";
import { clearSessionCookie, setSessionCookie, type SessionCookieOptions } from "./cookies.js";
import { storeResolver } from "./default-store.js";
import { sessionCore } from "./session-core.js";

/** Options of `cookieSession`. */
export interface CookieSessionOptions {
  /** Loads the user on every request; `null` (deleted user) makes the request anonymous. */
  getUserById: GetUserById;
  /** Default: a KV store on the request's/global KV when one exists, else one in-memory store. */
  store?: SessionStore;
  /** Default `"session"`. */
  cookieName?: string;
  cookieOptions?: SessionCookieOptions;
  /** Session lifetime in milliseconds; default 86400000 (24 h). */
  ttlMs?: number;
  /** Extra `user.metadata` (role, permissions…) computed per request. */
  getUserContext?: GetUserContext;
  /** Clock in epoch ms (tests inject one). */
  now?: () => number;
}

/**
 * A cookie-session strategy for `useAuth({ session })`.
 * @example
 * const session = cookieSession({ getUserById: (id) => db.query.users.findFirst({ where: eq(users.id, id) }) });
 * const { router, middleware } = useAuth({ session, login: { validateCredentials } });
 */
export function cookieSession(options: CookieSessionOptions): SessionStrategy {
  const cookieName = options.cookieName ?? "session";
  const ttlMs = options.ttlMs ?? 86_400_000;
  if (!(ttlMs > 0)) throw new TypeError("cookieSession: ttlMs must be a positive number of milliseconds");
  const stores = storeResolver(options.store);
  const core = sessionCore({ getUserById: options.getUserById, stores, ttlMs, getUserContext: options.getUserContext, now: options.now });
  const incoming = (c: Context) => getCookie(c, cookieName);

  return {
    name: "cookie-session",
    authenticate: (c) => core.load(c, incoming(c)),
    async issue(c, userId, meta) {
      const { user, session } = await core.mint(c, userId, meta, [incoming(c)]);
      setSessionCookie(c, cookieName, session.id, session.expiresAt, options.cookieOptions);
      return { user, sessionId: session.id, expiresAt: session.expiresAt };
    },
    async logout(c) {
      await core.revoke(c, incoming(c));
      clearSessionCookie(c, cookieName, options.cookieOptions);
    },
    async revoke(c, identity) {
      await core.revoke(c, identity.sessionId);
      clearSessionCookie(c, cookieName, options.cookieOptions);
    },
    invalidateUserSessions: (userId, exceptSessionId) => core.invalidate(userId, exceptSessionId),
    get sessionStore() {
      return stores.current();
    },
  };
}
