/**
 * `initJWTClient`, `getJWTClient` and `useJWTAuth` (spec 80 §5.3): one JWT client per page,
 * created once (it lives on `globalThis.__covaraJWTClient`, so hot module reload keeps it), and a
 * hook that follows its state. Works in React Native with an AsyncStorage-backed token storage.
 * @module
 */
import { useCallback, useMemo, useSyncExternalStore } from "react";
import { createJWTClient } from "../auth/entry.js";
import type { JWTClient, JWTClientConfig, JWTUser } from "../auth/jwt-types.js";

type GlobalWithJWT = typeof globalThis & { __covaraJWTClient?: JWTClient<any>; __covaraClient?: { jwt?: JWTClient<any> } };

/**
 * Creates the page's JWT client; later calls return the first one (their config is ignored).
 * To have resource requests carry its token too, pass it to `createClient({ baseUrl, jwt })`.
 * @example
 * initJWTClient({ baseUrl: "https://api.myapp.com", storage: AsyncStorage });
 */
export function initJWTClient<U = JWTUser>(config: JWTClientConfig<U>): JWTClient<U> {
  const g = globalThis as GlobalWithJWT;
  return (g.__covaraJWTClient ??= createJWTClient<U>(config)) as JWTClient<U>;
}

/**
 * The page's JWT client: the one `initJWTClient` made, else the registered client's `jwt`.
 * Throws when there is neither.
 */
export function getJWTClient<U = JWTUser>(): JWTClient<U> {
  const g = globalThis as GlobalWithJWT;
  const jwt = g.__covaraJWTClient ?? g.__covaraClient?.jwt;
  if (!jwt) throw new Error("JWT client not initialized: call initJWTClient() (or createClient({ jwt })) first");
  return jwt as JWTClient<U>;
}

/** What `useJWTAuth` returns. */
export interface UseJWTAuthResult<U> {
  user: U | null;
  accessToken: string | null;
  isAuthenticated: boolean;
  /** True until stored tokens were read (async storages take a moment). */
  isLoading: boolean;
  login(email: string, password: string): Promise<U>;
  signup(email: string, password: string, name?: string): Promise<U>;
  logout(): Promise<void>;
  refresh(): Promise<string>;
}

/**
 * The JWT session of the page.
 * @example
 * const { user, isAuthenticated, login, logout } = useJWTAuth<User>();
 */
export function useJWTAuth<U = JWTUser>(): UseJWTAuthResult<U> {
  const jwt = getJWTClient<U>();
  const subscribe = useCallback(
    (listener: () => void) => {
      const off = jwt.subscribe(listener);
      // The stored tokens may have been read before this listener was added.
      void jwt.ready.then(listener);
      return off;
    },
    [jwt],
  );
  const state = useSyncExternalStore(subscribe, jwt.getState, jwt.getState);
  return useMemo(
    () => ({
      user: state.user,
      accessToken: state.accessToken,
      isAuthenticated: state.isAuthenticated,
      isLoading: state.isLoading,
      login: (email: string, password: string) => jwt.login(email, password),
      signup: (email: string, password: string, name?: string) => jwt.signup(email, password, name),
      logout: () => jwt.logout(),
      refresh: () => jwt.refresh(),
    }),
    [state, jwt],
  );
}
