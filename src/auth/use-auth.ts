/**
 * `useAuth(options)` (alias `createAuthRoutes`): the auth router and the middleware that sets the
 * request user (spec 40 §3–§4). Mount with `app.route("/api/auth", router); app.use("*", middleware)`
 * or `createCovara({ auth: useAuth(…) })`.
 * @module
 */
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { errorHandler } from "../errors/handler.js";
import { AUTH_INSTALLED, SESSION_CHECK } from "../resource/scope.js";
import { createCsrfMiddleware } from "./csrf.js";
import { magicLinkRoutes } from "./flows/magic-link.js";
import { mfaRoutes } from "./flows/mfa-routes.js";
import { passwordResetRoutes } from "./flows/password-reset.js";
import { verificationRoutes } from "./flows/verification.js";
import { loginRoute, signupRoute } from "./routes/login.js";
import type { UseAuthOptions } from "./routes/options.js";
import { createAuthRuntime } from "./routes/runtime.js";
import { sessionRoutes } from "./routes/session.js";
import { createSocialRoutes } from "./social/routes.js";
import { resolveStrategy } from "./routes/strategy.js";
import type { AuthKv } from "./throttle.js";
import type { AuthUser, IssuedIdentity, SessionStrategy } from "./types.js";

/** What `useAuth` returns. */
export interface AuthRoutes {
  /** The auth routes; mount at `/api/auth` (createCovara does). */
  router: Hono;
  /** Sets `c.get("user")` / `c.get("session")`; anonymous on missing or bad credentials, never rejects. */
  middleware: MiddlewareHandler;
  /** The identity transport in use (custom login routes may call `strategy.issue`). */
  strategy: SessionStrategy;
  /** Finishes a login for a user verified elsewhere: rotation, CSRF re-issue, `onLogin`. */
  completeLogin(c: Context, user: AuthUser): Promise<IssuedIdentity>;
  /** The KV store of throttles and MFA state for a request. */
  kv(c: Context): AuthKv;
}

const RESOLVED = "covaraAuthResolved";

/** The user-setting middleware for a strategy: authenticates once per request, never throws. */
function authenticateWith(strategy: SessionStrategy): MiddlewareHandler {
  return async (c, next) => {
    c.set(AUTH_INSTALLED as never, true as never);
    if (!c.get(RESOLVED as never)) {
      c.set(RESOLVED as never, true as never);
      const auth = await strategy.authenticate(c).catch(() => null);
      c.set("user" as never, (auth?.user ?? null) as never);
      if (auth?.session) c.set("session" as never, auth.session as never);
      // Long-lived requests (subscriptions) ask again later whether these credentials still stand.
      if (auth) c.set(SESSION_CHECK as never, (() => strategy.authenticate(c).then((again) => again?.user.id === auth.user.id, () => false)) as never);
    }
    await next();
  };
}

/**
 * Builds the auth router and middleware.
 * @example
 * const { router, middleware } = useAuth({ adapter, login: { validateCredentials }, signup: { createUser } });
 * app.route("/api/auth", router);
 * app.use("*", middleware);
 */
export function useAuth(options: UseAuthOptions): AuthRoutes {
  const strategy = resolveStrategy(options);
  const rt = createAuthRuntime(options, strategy);
  const middleware = authenticateWith(strategy);

  const router = new Hono();
  router.onError(errorHandler);
  // The README mounts the router before `app.use("*", middleware)`, so the router authenticates itself.
  router.use("*", middleware);
  if (rt.csrf) router.use("*", createCsrfMiddleware(rt.csrf));
  sessionRoutes(rt, router);
  loginRoute(rt, router);
  signupRoute(rt, router);
  const transportRoutes = strategy.getRoutes?.();
  if (transportRoutes) router.route("/", transportRoutes);
  verificationRoutes(rt, router);
  passwordResetRoutes(rt, router);
  magicLinkRoutes(rt, router);
  mfaRoutes(rt, router);
  const completeLogin = rt.completeLogin;
  if (options.social) router.route(options.social.basePath ?? "/social", createSocialRoutes(options.social, { completeLogin, kv: options.kv }));

  return { router, middleware, strategy, completeLogin, kv: rt.kv };
}

/** Alias of `useAuth`. */
export const createAuthRoutes = useAuth;
