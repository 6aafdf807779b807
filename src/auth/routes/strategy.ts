/**
 * Which identity transport `useAuth` runs (spec 40 §3): `session` wins; else the adapter's own
 * strategy (`toStrategy()`), else a generic bridge over the README adapter methods. Neither → throw.
 * @module
 */
import { Hono, type Context } from "hono";
import { deleteCookie } from "hono/cookie";
import type { AuthAdapter, IssuedIdentity, SessionStrategy } from "../types.js";
import type { SessionCookieOptions } from "../sessions/cookies.js";
import type { LegacyCookieOptions, UseAuthOptions } from "./options.js";

/** `useAuth.cookieOptions` as session-cookie attributes; `maxAge` (ms) defaults to 7 days. */
function legacyCookie(options: LegacyCookieOptions | undefined): SessionCookieOptions {
  const sameSite = options?.sameSite?.toLowerCase() as SessionCookieOptions["sameSite"] | undefined;
  return {
    maxAge: options?.maxAge ?? 604_800_000,
    ...(sameSite ? { sameSite } : {}),
    ...(options?.path ? { path: options.path } : {}),
    ...(options?.secure !== undefined ? { secure: options.secure } : {}),
    ...(options?.domain ? { domain: options.domain } : {}),
  };
}

/** Also expires the README's cookie names on logout (legacy path clears `connect.sid` and `session`). */
function clearLegacyCookies(c: Context, path: string | undefined, alreadyCleared: string[]): void {
  for (const name of ["connect.sid", "session"]) {
    if (alreadyCleared.includes(name)) continue;
    if (c.req.header("cookie")?.includes(`${name}=`)) deleteCookie(c, name, { path: path ?? "/" });
  }
}

/** A strategy over the adapter contract alone, for adapters without `toStrategy()`. */
function bridge(adapter: AuthAdapter): SessionStrategy {
  const strategy: SessionStrategy = {
    name: adapter.name,
    async authenticate(c) {
      const credentials = await adapter.extractCredentials(c);
      return credentials ? adapter.validateCredentials(credentials) : null;
    },
    async issue(c, userId, meta): Promise<IssuedIdentity> {
      if (!adapter.createSession) throw new Error(`Adapter '${adapter.name}' cannot create sessions`);
      // Rotation: whatever the request carries dies before the new identity is minted.
      await adapter.invalidateSession?.(c).catch(() => {});
      return adapter.createSession(c, userId, meta);
    },
    async logout(c) {
      await adapter.invalidateSession?.(c).catch(() => {});
    },
  };
  if (adapter.invalidateUserSessions) strategy.invalidateUserSessions = adapter.invalidateUserSessions.bind(adapter);
  if (adapter.refreshSession) {
    const refresh = adapter.refreshSession.bind(adapter);
    strategy.getRoutes = () =>
      new Hono().post("/refresh", async (c) => {
        const identity = await refresh(c).catch(() => null);
        if (!identity?.accessToken) return c.json({ error: { code: "INVALID_REFRESH_TOKEN", message: "Invalid refresh token" } }, 401);
        return c.json({ accessToken: identity.accessToken, expiresIn: identity.expiresIn, tokenType: "Bearer" });
      });
  }
  return strategy;
}

/** The strategy `useAuth` runs for these options. */
export function resolveStrategy(options: UseAuthOptions): SessionStrategy {
  if (options.session) return options.session;
  const adapter = options.adapter;
  if (!adapter) throw new TypeError("useAuth: pass `session` (cookieSession/jwtSession) or a README `adapter`");
  const cookie = legacyCookie(options.cookieOptions);
  const base = adapter.toStrategy
    ? (adapter.toStrategy as (overrides?: { cookieName?: string; cookieOptions?: SessionCookieOptions }) => SessionStrategy)({
        cookieName: options.cookieName ?? "session",
        cookieOptions: cookie,
      })
    : bridge(adapter);
  return {
    ...base,
    name: base.name,
    authenticate: base.authenticate.bind(base),
    issue: base.issue.bind(base),
    async logout(c) {
      try {
        await base.logout(c);
      } catch {
        // Logout answers 200 regardless (spec 40 §4).
      }
      // The Passport strategy already expires its own cookie and connect.sid.
      clearLegacyCookies(c, cookie.path, base.name === "passport" ? [options.cookieName ?? "session", "connect.sid"] : []);
    },
    ...(base.invalidateUserSessions ? { invalidateUserSessions: base.invalidateUserSessions.bind(base) } : {}),
    ...(base.getRoutes ? { getRoutes: base.getRoutes.bind(base) } : {}),
    get sessionStore() {
      return base.sessionStore;
    },
  };
}
