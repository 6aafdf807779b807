/**
 * Request-user helpers and route guards (spec 40 §2). [dev] A missing user is 401; a signed-in
 * user lacking the role, permission or ownership is 403 (Covara answered 401 for both).
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { ForbiddenError, UnauthorizedError } from "../errors/problem.js";
import { AUTH_INSTALLED } from "../resource/scope.js";
import type { AuthAdapter, AuthCredentials, AuthUserContext, SessionData } from "./types.js";

type MaybePromise<T> = T | Promise<T>;

/** The request's user, or null. */
export function getUser(c: Context): AuthUserContext | null {
  return (c.get("user" as never) as AuthUserContext | null | undefined) ?? null;
}

/** The request's server session (cookie transports), or null. */
export function getSession(c: Context): SessionData | null {
  return (c.get("session" as never) as SessionData | null | undefined) ?? null;
}

function signedIn(c: Context, message?: string): AuthUserContext {
  const user = getUser(c);
  if (!user) throw new UnauthorizedError(message ?? "Authentication required");
  return user;
}

/**
 * 401 unless a user is signed in.
 * @example app.get("/account", requireAuth(), (c) => c.json(getUser(c)));
 */
export function requireAuth(options: { message?: string } = {}): MiddlewareHandler {
  return async (c, next) => {
    signedIn(c, options.message);
    await next();
  };
}

/**
 * 401 when anonymous; 403 unless `user.metadata.role` is one of `roles`.
 * @example app.delete("/posts/:id", requireRole("admin", "editor"), handler);
 */
export function requireRole(...roles: string[]): MiddlewareHandler {
  return async (c, next) => {
    const role = signedIn(c).metadata?.role;
    if (typeof role !== "string" || !roles.includes(role)) throw new ForbiddenError("Insufficient role");
    await next();
  };
}

/**
 * 401 when anonymous; 403 unless `user.metadata.permissions` (an array) contains `permission`.
 * @example app.post("/invoices", requirePermission("invoices:write"), handler);
 */
export function requirePermission(permission: string): MiddlewareHandler {
  return async (c, next) => {
    const permissions = signedIn(c).metadata?.permissions;
    if (!Array.isArray(permissions) || !permissions.includes(permission)) throw new ForbiddenError("Missing permission");
    await next();
  };
}

/** Options of `requireOwnership`. */
export interface OwnershipOptions {
  /** Let admins through. Default false. */
  allowAdmin?: boolean;
  /** Who counts as admin; default `user.metadata.role === "admin"`. */
  adminCheck?: (user: AuthUserContext) => MaybePromise<boolean>;
}

/**
 * 401 when anonymous; 403 unless the user owns what `getOwnerId(c)` names (ids compared as strings).
 * @example app.patch("/notes/:id", requireOwnership(async (c) => (await loadNote(c.req.param("id")))?.ownerId), handler);
 */
export function requireOwnership(getOwnerId: (c: Context) => MaybePromise<string | number | null | undefined>, options: OwnershipOptions = {}): MiddlewareHandler {
  return async (c, next) => {
    const user = signedIn(c);
    const ownerId = await getOwnerId(c);
    const owns = ownerId !== null && ownerId !== undefined && String(ownerId) === String(user.id);
    if (!owns) {
      const isAdmin = options.allowAdmin ? await (options.adminCheck ?? ((u) => u.metadata?.role === "admin"))(user) : false;
      if (!isAdmin) throw new ForbiddenError("You do not own this resource");
    }
    await next();
  };
}

/** Options of `createAuthMiddleware`. */
export interface AuthMiddlewareOptions {
  /** Paths served without authentication: exact, or a prefix ending in `*`. */
  skipPaths?: string[];
  /** Replaces the adapter's own credential extraction. */
  extractCredentials?: (c: Context) => MaybePromise<AuthCredentials | null>;
  /** Detail of the 401 for invalid credentials. Default "Invalid or expired credentials". */
  unauthorizedMessage?: string;
}

/**
 * Strict adapter middleware: no credentials → anonymous; invalid or expired credentials → 401
 * problem (unlike `useAuth(...).middleware`, which never rejects). Sets `user` and `session`.
 * @example app.use("/api/*", createAuthMiddleware(createPassportAdapter({ getUserById })));
 */
export function createAuthMiddleware(adapter: AuthAdapter, options: AuthMiddlewareOptions = {}): MiddlewareHandler {
  const skip = (path: string) =>
    (options.skipPaths ?? []).some((p) => (p.endsWith("*") ? path.startsWith(p.slice(0, -1)) : path === p));
  return async (c, next) => {
    c.set(AUTH_INSTALLED as never, true as never);
    if (skip(c.req.path)) return next();
    const credentials = await (options.extractCredentials ?? adapter.extractCredentials.bind(adapter))(c);
    if (!credentials) {
      if (c.get("user" as never) === undefined) c.set("user" as never, null as never);
      return next();
    }
    const auth = await adapter.validateCredentials(credentials).catch(() => null);
    if (!auth) throw new UnauthorizedError(options.unauthorizedMessage ?? "Invalid or expired credentials");
    c.set("user" as never, auth.user as never);
    if (auth.session) c.set("session" as never, auth.session as never);
    return next();
  };
}
