/**
 * `createJWTAdapter(…)`: the README's stateless bearer adapter (spec 40 §6.1), built on the same
 * core as `jwtSession`, so `useAuth({ adapter })` runs it with `jwtSession` semantics (Covara's
 * fails every login there). Also usable alone: `.getRoutes()` and `.middleware`.
 * @module
 */
import type { Hono, MiddlewareHandler } from "hono";
import type { AuthAdapter, GetUserById, GetUserContext } from "../types.js";
import { jwtAdapterRoutes, type CreateUser, type ValidatePassword } from "./adapter-routes.js";
import { createJwtCore, type JwtSessionOptions } from "./core.js";
import { redeemRefreshToken, type OnTokenRefresh } from "./refresh-route.js";
import type { RefreshTokenStore } from "./refresh-store.js";
import { strategyFromCore, type JwtSessionStrategy } from "./session.js";

/** Token settings of the adapter (TTLs in seconds); the same keys as `jwtSession`. */
export type JwtAdapterTokenOptions = Omit<JwtSessionOptions, "getUserById" | "refreshStore" | "getUserContext">;

/** Options of `createJWTAdapter`. */
export interface JWTAdapterOptions {
  jwt: JwtAdapterTokenOptions;
  getUserById: GetUserById;
  /** Mounts `POST /login`. */
  validatePassword?: ValidatePassword;
  /** Mounts `POST /signup`. */
  createUser?: CreateUser;
  /** Rotating, revocable refresh tokens (see `jwtSession`'s `refreshStore`). */
  refreshTokenStore?: RefreshTokenStore | true;
  getUserContext?: GetUserContext;
  onTokenRefresh?: OnTokenRefresh;
}

/** The JWT adapter: an `AuthAdapter` plus its standalone router and middleware. */
export interface JWTAdapter extends AuthAdapter {
  getRoutes(): Hono;
  toStrategy(): JwtSessionStrategy;
  /** Sets `c.get("user")`/`c.get("session")` from a valid bearer; otherwise the request stays anonymous. */
  middleware: MiddlewareHandler;
}

/**
 * Creates the JWT adapter.
 * @example
 * const jwt = createJWTAdapter({ jwt: { secret: env.JWT_SECRET }, getUserById, validatePassword });
 * app.use("*", jwt.middleware);
 * app.route("/api/auth", jwt.getRoutes());
 */
export function createJWTAdapter(options: JWTAdapterOptions): JWTAdapter {
  const core = createJwtCore({
    ...options.jwt,
    getUserById: options.getUserById,
    ...(options.refreshTokenStore !== undefined ? { refreshStore: options.refreshTokenStore } : {}),
    ...(options.getUserContext ? { getUserContext: options.getUserContext } : {}),
  });
  const strategy = strategyFromCore(core, options.onTokenRefresh);
  let routes: Hono | undefined;

  const adapter: JWTAdapter = {
    name: "jwt",
    extractCredentials(c) {
      const token = core.bearer(c);
      return token === undefined ? null : { type: "bearer", token };
    },
    async validateCredentials(credentials) {
      if (credentials.type !== "bearer") return null;
      try {
        return await core.authenticateToken(credentials.token);
      } catch {
        return null;
      }
    },
    async getSession(c) {
      return (await strategy.authenticate(c))?.session ?? null;
    },
    invalidateSession: (c) => strategy.logout(c),
    getRoutes() {
      routes ??= jwtAdapterRoutes(strategy, {
        ...(options.validatePassword ? { validatePassword: options.validatePassword } : {}),
        ...(options.createUser ? { createUser: options.createUser } : {}),
        ...(options.onTokenRefresh ? { onTokenRefresh: options.onTokenRefresh } : {}),
      });
      return routes;
    },
    async refreshSession(c) {
      const token = core.cookie.read(c);
      if (token === undefined) return null;
      const redeemed = await redeemRefreshToken(core, token);
      if (!redeemed.ok) return null;
      if (redeemed.refreshToken !== undefined) core.cookie.set(c, redeemed.refreshToken);
      if (options.onTokenRefresh) await options.onTokenRefresh(redeemed.user, c);
      return {
        user: redeemed.user,
        accessToken: redeemed.accessToken,
        ...(redeemed.refreshToken !== undefined ? { refreshToken: redeemed.refreshToken } : {}),
        expiresIn: core.accessTokenTtl,
        expiresAt: new Date(redeemed.accessExp * 1000),
      };
    },
    createSession: (c, userId) => strategy.issue(c, userId),
    toStrategy: () => strategy,
    async middleware(c, next) {
      const auth = await strategy.authenticate(c);
      if (auth) {
        c.set("user" as never, auth.user as never);
        if (auth.session) c.set("session" as never, auth.session as never);
      } else if (c.get("user" as never) === undefined) {
        c.set("user" as never, null as never);
      }
      await next();
    },
  };
  if (strategy.invalidateUserSessions) adapter.invalidateUserSessions = strategy.invalidateUserSessions;
  return adapter;
}
