/**
 * Shared fixtures of the JWT suites (Node and workerd): a users map, an app that mounts a strategy
 * the way `useAuth` does, cookie parsing and hand-crafted tokens.
 */
import { Hono } from "hono";
import { SignJWT, type CryptoKey as JoseCryptoKey } from "jose";
import type { AuthUser, SessionStrategy } from "../../src/auth/index.js";
import { encodeBase64urlText } from "../../src/util/base64url.js";

/** An HS256 secret of 40 bytes. */
export const SECRET = "test-secret-0123456789-abcdefghijklmnopq";

/** The app's users; tests add and delete. */
export const users = new Map<string, AuthUser>();

/** Restores the two default users. */
export function resetUsers(): void {
  users.clear();
  users.set("u1", { id: "u1", email: "ada@example.com", name: "Ada", image: null, emailVerified: new Date("2024-01-02T03:04:05.000Z"), metadata: { role: "admin" } });
  users.set("u2", { id: "u2", email: "bob@example.com", name: "Bob" });
}
resetUsers();

/** `getUserById` over `users`. */
export const getUserById = async (id: string): Promise<AuthUser | null> => users.get(id) ?? null;

/** An app mounting a strategy: `POST /login/:id` issues, `GET /me` authenticates, `/auth/*` its routes. */
export function appFor(strategy: SessionStrategy): Hono {
  const app = new Hono();
  app.post("/login/:id", async (c) => c.json(await strategy.issue(c, c.req.param("id"))));
  app.get("/me", async (c) => {
    const auth = await strategy.authenticate(c);
    return c.json({ user: auth?.user ?? null, session: auth?.session ?? null });
  });
  app.post("/logout", async (c) => {
    await strategy.logout(c);
    return c.json({ success: true });
  });
  if (strategy.getRoutes) app.route("/auth", strategy.getRoutes());
  return app;
}

/** The `Set-Cookie` header for `name`, or undefined. */
export function setCookieFor(res: Response, name = "refreshToken"): string | undefined {
  return res.headers.getSetCookie().find((line) => line.startsWith(`${name}=`));
}

/** The value a `Set-Cookie` line sets. */
export function cookieValue(line: string | undefined): string | undefined {
  if (!line) return undefined;
  const value = line.slice(line.indexOf("=") + 1).split(";")[0]!;
  return decodeURIComponent(value);
}

/** Logs `userId` in; returns the tokens and the refresh cookie value. */
export async function login(app: Hono, userId = "u1", url = "http://localhost"): Promise<{ accessToken: string; refreshToken: string; cookie: string; res: Response }> {
  const res = await app.request(`${url}/login/${userId}`, { method: "POST" });
  if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
  const body = (await res.clone().json()) as { accessToken: string; refreshToken: string };
  return { ...body, cookie: cookieValue(setCookieFor(res))!, res };
}

/** The user `GET /me` sees for a bearer (or raw Authorization header). */
export async function whoAmI(app: Hono, token: string, raw = false): Promise<{ id: string; [k: string]: unknown } | null> {
  const res = await app.request("/me", { headers: { authorization: raw ? token : `Bearer ${token}` } });
  return ((await res.json()) as { user: { id: string } | null }).user;
}

/** `POST /auth/refresh` with the token as the cookie. */
export async function refreshWithCookie(app: Hono, token: string): Promise<Response> {
  return app.request("/auth/refresh", { method: "POST", headers: { cookie: `refreshToken=${token}` } });
}

/** `POST /auth/refresh` with the token in the JSON body. */
export async function refreshWithBody(app: Hono, body: unknown): Promise<Response> {
  return app.request("/auth/refresh", { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });
}

const now = () => Math.floor(Date.now() / 1000);

/** Valid-looking access claims for `u1`, overridable. */
export function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: "u1", jti: crypto.randomUUID(), typ: "access", iat: now(), exp: now() + 600, email: "ada@example.com", ...overrides };
}

/** Signs arbitrary claims (undefined values dropped) with any key and algorithm. */
export async function sign(payload: Record<string, unknown>, key: JoseCryptoKey | Uint8Array, alg = "HS256", header: Record<string, unknown> = {}): Promise<string> {
  const clean = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
  return new SignJWT(clean).setProtectedHeader({ ...header, alg }).sign(key);
}

/** An unsigned `alg: none` token. */
export function unsecured(payload: Record<string, unknown>): string {
  return `${encodeBase64urlText(JSON.stringify({ alg: "none", typ: "JWT" }))}.${encodeBase64urlText(JSON.stringify(payload))}.`;
}

/** The shared secret as bytes. */
export const secretBytes = new TextEncoder().encode(SECRET);

/** The JSON of one base64url token part. */
export function decodePart(part: string | undefined): Record<string, unknown> {
  return JSON.parse(atob(part!.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
}
