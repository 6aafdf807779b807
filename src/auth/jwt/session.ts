/**
 * `jwtSession(…)`: the JWT identity transport (spec 40 §6.2). Requests authenticate with
 * `Authorization: Bearer <access token>` only; logins get an access token in the body and a
 * refresh token in an HttpOnly cookie; `POST /refresh` trades one for the other.
 * @module
 */
import { Hono } from "hono";
import type { SessionStrategy } from "../types.js";
import { createJwtCore, type JwtCore, type JwtSessionOptions } from "./core.js";
import { handleRefresh, type OnTokenRefresh } from "./refresh-route.js";

/** A `SessionStrategy` backed by JWTs; `core` is for `createJWTAdapter`. */
export interface JwtSessionStrategy extends SessionStrategy {
  readonly core: JwtCore;
}

/**
 * The JWT session strategy. Without `refreshStore`, refresh tokens are reusable until they expire
 * and cannot be revoked; with one they rotate (single use), logout revokes them and
 * `invalidateUserSessions` works. Access tokens are stateless: they stay valid until `exp`.
 * @example
 * const { router, middleware } = useAuth({
 *   session: jwtSession({ getUserById, secret: env.JWT_SECRET, refreshStore: true }),
 *   login: { validateCredentials },
 * });
 */
export function jwtSession(options: JwtSessionOptions): JwtSessionStrategy {
  return strategyFromCore(createJwtCore(options));
}

/** The strategy over an existing core (shared with `createJWTAdapter`, so both see one store). */
export function strategyFromCore(core: JwtCore, onTokenRefresh?: OnTokenRefresh): JwtSessionStrategy {
  const strategy: JwtSessionStrategy = {
    name: "jwt",
    core,
    async authenticate(c) {
      try {
        return await core.authenticateToken(core.bearer(c));
      } catch {
        return null; // a key-resolution failure (e.g. JWKS unreachable) is an anonymous request
      }
    },
    issue: (c, userId) => core.issue(c, userId),
    logout: (c) => core.logout(c),
    revoke: (c, identity) => core.revoke(c, identity),
    getRoutes() {
      const routes = new Hono();
      routes.post("/refresh", (c) => handleRefresh(core, c, onTokenRefresh));
      return routes;
    },
  };
  if (core.store) strategy.invalidateUserSessions = (userId, exceptSessionId) => core.invalidateUserSessions(userId, exceptSessionId);
  return strategy;
}
