/**
 * `useAuth` (spec 80 §7.3, strategies §5.1): who is signed in, and sign-in actions against
 * Covara's auth routes, with the strategy given or auto-detected. Every `useAuth` of the same
 * identity shares one state.
 * @module
 */
import { useMemo, useSyncExternalStore } from "react";
import { resolveAuthStrategy, type AuthStrategy } from "../auth/strategy.js";
import { getClient } from "../client.js";
import { authStore, createJWTStore, createSessionStore, type AuthActions, type AuthStore } from "./auth-store.js";

/** Options of `useAuth`. */
export interface UseAuthOptions {
  /** Default `/api/auth/me`. */
  checkUrl?: string;
  /** Default `/api/auth/logout`. */
  logoutUrl?: string;
  /** Default `auto` (spec 80 §5.1). */
  strategy?: AuthStrategy;
  /** A fixed bearer token (strategy `bearer`). */
  token?: string;
  /** An API key sent as `X-API-Key` (strategy `apiKey`). */
  apiKey?: string;
  /** Default the page's origin; where there is none (React Native), the client's `baseUrl`. */
  baseUrl?: string;
  /** Default `/api/auth`. */
  authBasePath?: string;
  /** Default `/api/auth/social`. */
  socialBasePath?: string;
}

/** What `useAuth` returns. */
export interface UseAuthResult<U> extends AuthActions<U> {
  user: U | null;
  status: "loading" | "authenticated" | "unauthenticated";
  isAuthenticated: boolean;
  isLoading: boolean;
  accessToken: string | null;
}

const pageOrigin = (): string | undefined => {
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
  return origin && origin !== "null" ? origin : undefined;
};

/**
 * The signed-in user and sign-in actions.
 * @example
 * const { user, isAuthenticated, login, logout } = useAuth<User>();
 * await login("ada@example.com", "correct horse");
 */
export function useAuth<U = { id: string; email?: string | null; name?: string | null; [key: string]: unknown }>(options: UseAuthOptions = {}): UseAuthResult<U> {
  const client = getClient();
  const {
    checkUrl = "/api/auth/me",
    logoutUrl = "/api/auth/logout",
    strategy = "auto",
    token,
    apiKey,
    baseUrl = pageOrigin() ?? client.config.baseUrl,
    authBasePath = "/api/auth",
    socialBasePath = "/api/auth/social",
  } = options;
  const jwt = client.jwt;
  // Auto-detection looks at the JWT client's state: follow it so a sign-in there switches strategy.
  const jwtState = useSyncExternalStore(jwt ? jwt.subscribe : noSubscription, jwt ? jwt.getState : noState, jwt ? jwt.getState : noState);
  const kind = resolveAuthStrategy({ strategy, token, apiKey, jwt, oidc: client.auth });

  const store: AuthStore<U> = useMemo(() => {
    const headers: Record<string, string> = {};
    if (kind === "bearer" && token) headers.authorization = `Bearer ${token}`;
    if (kind === "apiKey" && apiKey) headers["x-api-key"] = apiKey;
    const credential = kind === "bearer" ? `bearer:${token}` : kind === "apiKey" ? `apiKey:${apiKey}` : "session";
    const session = authStore<U>(client, `${credential}|${baseUrl}|${checkUrl}`, () =>
      createSessionStore<U>(client, { baseUrl, checkUrl, logoutUrl, authBasePath, socialBasePath, headers }),
    );
    if (kind === "jwt" && jwt) return authStore<U>(client, "jwt", () => createJWTStore<U>(jwt as never, session));
    return session;
  }, [client, jwt, kind, token, apiKey, baseUrl, checkUrl, logoutUrl, authBasePath, socialBasePath]);

  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  void jwtState;
  return useMemo(
    () => ({
      user: snapshot.user,
      status: snapshot.status,
      accessToken: snapshot.accessToken,
      isAuthenticated: snapshot.status === "authenticated",
      isLoading: snapshot.status === "loading",
      refetch: store.refetch,
      login: store.login,
      signup: store.signup,
      logout: store.logout,
      requestEmailVerification: store.requestEmailVerification,
      confirmEmail: store.confirmEmail,
      signInWith: store.signInWith,
    }),
    [snapshot, store],
  );
}

const noSubscription = () => () => undefined;
const noState = () => undefined;
