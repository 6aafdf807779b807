/**
 * The standalone routes of `createJWTAdapter` (spec 40 §6.1): `GET /me`, `POST /login`,
 * `POST /signup` (201), `POST /refresh`, `POST /logout`. Errors are RFC 7807 problems except
 * `/refresh`, whose plain-JSON errors match `jwtSession`.
 * @module
 */
import { Hono, type Context } from "hono";
import { UnauthorizedError, ValidationError } from "../../errors/problem.js";
import { readJsonBody } from "../../resource/input.js";
import type { AuthUser, IssuedIdentity } from "../types.js";
import type { JwtSessionStrategy } from "./session.js";
import { handleRefresh, type OnTokenRefresh } from "./refresh-route.js";

type MaybePromise<T> = T | Promise<T>;

/** Checks an email and password; the user, or `null` when they do not match. */
export type ValidatePassword = (email: string, password: string) => MaybePromise<AuthUser | null>;

/** Creates a user from a signup; receives the plaintext password (hashing is the app's job). */
export type CreateUser = (input: { email: string; password: string; name?: string }) => MaybePromise<AuthUser>;

/** Route hooks of the adapter. */
export interface JwtRouteHooks {
  validatePassword?: ValidatePassword;
  createUser?: CreateUser;
  onTokenRefresh?: OnTokenRefresh;
}

const BODY_LIMIT = 64 * 1024;
/** Longest accepted email (RFC 5321 path limit) and password: oversized credentials never reach the app. */
const MAX_EMAIL = 320;
const MAX_PASSWORD = 1024;

/** The public shape of a user in responses. */
export function serializeUser(user: AuthUser): { id: string; email: string | null; name: string | null; image: string | null } {
  return { id: String(user.id), email: user.email ?? null, name: user.name ?? null, image: user.image ?? null };
}

async function readCredentials(c: Context): Promise<{ email: string; password: string; name?: string }> {
  const body = await readJsonBody(c, BODY_LIMIT);
  const { email, password, name } = (typeof body === "object" && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  if (typeof email !== "string" || typeof password !== "string" || email.trim() === "" || password === "") {
    throw new ValidationError("Email and password are required", [
      ...(typeof email !== "string" || email.trim() === "" ? [{ field: "email", message: "Required string" }] : []),
      ...(typeof password !== "string" || password === "" ? [{ field: "password", message: "Required string" }] : []),
    ]);
  }
  if (email.length > MAX_EMAIL || password.length > MAX_PASSWORD) {
    throw new ValidationError("Email or password is too long", [
      ...(email.length > MAX_EMAIL ? [{ field: "email", message: `At most ${MAX_EMAIL} characters` }] : []),
      ...(password.length > MAX_PASSWORD ? [{ field: "password", message: `At most ${MAX_PASSWORD} characters` }] : []),
    ]);
  }
  if (name !== undefined && name !== null && typeof name !== "string") throw new ValidationError("Invalid name", [{ field: "name", message: "Expected a string" }]);
  return { email, password, ...(typeof name === "string" ? { name } : {}) };
}

function loginBody(issued: IssuedIdentity) {
  return { user: serializeUser(issued.user), accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresIn: issued.expiresIn, tokenType: "Bearer" as const };
}

async function issueOr401(strategy: JwtSessionStrategy, c: Context, userId: string): Promise<IssuedIdentity> {
  try {
    return await strategy.issue(c, userId);
  } catch {
    throw new UnauthorizedError("Failed to create session");
  }
}

/** Builds the adapter's router. */
export function jwtAdapterRoutes(strategy: JwtSessionStrategy, hooks: JwtRouteHooks): Hono {
  const routes = new Hono();

  routes.get("/me", async (c) => {
    const auth = await strategy.authenticate(c);
    if (!auth) return c.json({ user: null });
    return c.json({ user: serializeUser(auth.user), expiresAt: auth.user.sessionExpiresAt.toISOString() });
  });

  const { validatePassword, createUser } = hooks;
  if (validatePassword) {
    routes.post("/login", async (c) => {
      const { email, password } = await readCredentials(c);
      const user = await validatePassword(email, password);
      if (!user) throw new UnauthorizedError("Invalid email or password");
      return c.json(loginBody(await issueOr401(strategy, c, String(user.id))));
    });
  }
  if (createUser) {
    routes.post("/signup", async (c) => {
      const user = await createUser(await readCredentials(c));
      return c.json(loginBody(await issueOr401(strategy, c, String(user.id))), 201);
    });
  }

  routes.post("/refresh", (c) => handleRefresh(strategy.core, c, hooks.onTokenRefresh));
  routes.post("/logout", async (c) => {
    await strategy.logout(c);
    return c.json({ success: true });
  });
  return routes;
}
