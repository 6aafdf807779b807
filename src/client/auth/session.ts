/**
 * `client.session` (spec 80 §5.2) and `client.checkAuth` (§1): Covara's auth routes for cookie
 * sessions, and for the JWT session strategy, whose login answer carries an access token that
 * the transport then sends as a bearer.
 * @module
 */
import type { Transport } from "../transport.js";
import type { JWTClient, JWTUser } from "./jwt-types.js";

/** The auth routes of `useAuth` (spec 40): cookies are always sent (`credentials: "include"`). */
export interface SessionClient<U = JWTUser> {
  signup(input: { email: string; password: string; name?: string }): Promise<{ user: U | null; [key: string]: unknown }>;
  login(email: string, password: string): Promise<{ user: U | null; [key: string]: unknown }>;
  /** Ends the session; the bearer a login installed is dropped even if the request fails. */
  logout(): Promise<void>;
  requestEmailVerification(email: string): Promise<void>;
  confirmEmail(email: string, token: string): Promise<void>;
  /** The signed-in user, or null. */
  me(): Promise<U | null>;
}

/** Session helpers over a transport; loaded on demand through `createSessionClient` (auth/entry.ts). */
export function buildSessionClient<U = JWTUser>(transport: Transport, basePath = "/api/auth"): SessionClient<U> {
  const base = basePath.replace(/\/+$/, "");
  const send = async <T>(method: string, route: string, body?: unknown) =>
    (await transport.request<T>({ method, path: `${base}${route}`, body, credentials: "include" })).data;
  /** The JWT session strategy answers a login with an access token: use it as the bearer. */
  const signIn = async (route: string, body: unknown) => {
    const result = (await send<{ user?: U | null; accessToken?: string; [key: string]: unknown }>("POST", route, body)) ?? {};
    if (typeof result.accessToken === "string") transport.setHeader("authorization", `Bearer ${result.accessToken}`);
    return { ...result, user: result.user ?? null };
  };
  return {
    signup: (input) => signIn("/signup", input),
    login: (email, password) => signIn("/login", { email, password }),
    async logout() {
      try {
        await send("POST", "/logout", {});
      } finally {
        transport.removeHeader("authorization");
      }
    },
    async requestEmailVerification(email) {
      await send("POST", "/verify/request", { email });
    },
    async confirmEmail(email, token) {
      await send("POST", "/verify/confirm", { email, token });
    },
    me: async () => (await send<{ user?: U | null }>("GET", "/me"))?.user ?? null,
  };
}

/** What `checkAuth` answers. */
export interface AuthCheck<U> {
  user: U | null;
  expiresAt?: string;
}

/**
 * `checkAuth` (spec 80 §1): an authenticated JWT client answers from its own state; otherwise
 * `GET url` with cookies and the bearer, if any. Every failure means "signed out".
 */
export async function checkAuth<U>(transport: Transport, url: string, jwt?: JWTClient<unknown>): Promise<AuthCheck<U>> {
  if (jwt) {
    await jwt.ready;
    const state = jwt.getState();
    if (state.isAuthenticated) return { user: state.user as U | null, ...(state.expiresAt ? { expiresAt: state.expiresAt.toISOString() } : {}) };
  }
  try {
    const body = (await transport.request<{ user?: U | null; expiresAt?: string }>({ path: url, credentials: transport.credentials ?? "include" })).data;
    return { user: body?.user ?? null, ...(body?.expiresAt ? { expiresAt: body.expiresAt } : {}) };
  } catch {
    return { user: null };
  }
}
