/**
 * The shared state behind `useAuth` (spec 80 §7.3): one store per identity (base URL and check
 * URL for cookie and JWT-session sign-in, the token or key for bearer and API-key callers), so
 * signing in through one component updates every other one. Stores hang off their client in a
 * WeakMap and go away with it.
 * @module
 */
import type { CovaraClient } from "../client.js";
import type { JWTClient } from "../auth/jwt-types.js";
import { Transport } from "../transport.js";
import { joinUrl } from "../url.js";

/** The state `useAuth` shows. */
export interface AuthSnapshot<U> {
  user: U | null;
  status: "loading" | "authenticated" | "unauthenticated";
  /** The bearer in use: from a JWT-session login answer, the JWT client, or the `token` option. */
  accessToken: string | null;
}

/** Sign-in actions shared by every `useAuth` of one identity. */
export interface AuthActions<U> {
  refetch(): Promise<void>;
  login(email: string, password: string): Promise<U | null>;
  signup(input: { email: string; password: string; name?: string }): Promise<U | null>;
  logout(): Promise<void>;
  requestEmailVerification(email: string): Promise<void>;
  confirmEmail(email: string, token: string): Promise<void>;
  /** Navigates to the provider's social login (browsers only). */
  signInWith(provider: string): void;
}

/** One identity's auth state. */
export interface AuthStore<U> extends AuthActions<U> {
  getSnapshot(): AuthSnapshot<U>;
  subscribe(listener: () => void): () => void;
}

/** Where a session store sends its requests. */
export interface SessionStoreConfig {
  baseUrl: string;
  checkUrl: string;
  logoutUrl: string;
  authBasePath: string;
  socialBasePath: string;
  /** Fixed credential headers (bearer token, API key). */
  headers: Record<string, string>;
}

const stores = new WeakMap<CovaraClient, Map<string, AuthStore<unknown>>>();

/** The store for `identity` of `client`, created with `create` the first time. */
export function authStore<U>(client: CovaraClient, identity: string, create: () => AuthStore<U>): AuthStore<U> {
  let byIdentity = stores.get(client);
  if (!byIdentity) stores.set(client, (byIdentity = new Map()));
  let store = byIdentity.get(identity);
  if (!store) byIdentity.set(identity, (store = create() as AuthStore<unknown>));
  return store as AuthStore<U>;
}

/** A small observable value. */
function observable<S>(initial: S) {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => value,
    set(next: S) {
      value = next;
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * Cookie sessions and the JWT session strategy against Covara's auth routes: the check URL says
 * who is signed in; a login answer carrying `accessToken` makes it the bearer of this store and of
 * the client's transport.
 */
export function createSessionStore<U>(client: CovaraClient, config: SessionStoreConfig): AuthStore<U> {
  const transport = new Transport({ baseUrl: config.baseUrl, credentials: "include", headers: config.headers, fetch: client.config.fetch });
  const state = observable<AuthSnapshot<U>>({ user: null, status: "loading", accessToken: config.headers.authorization?.replace(/^Bearer /, "") ?? null });
  const base = config.authBasePath.replace(/\/+$/, "");
  let checking: Promise<void> | undefined;
  let started = false;

  const refetch = (): Promise<void> =>
    (checking ??= (async () => {
      try {
        const { data } = await transport.request<{ user?: U | null }>({ path: config.checkUrl, noAuthRetry: true });
        const user = data?.user ?? null;
        state.set({ ...state.get(), user, status: user ? "authenticated" : "unauthenticated" });
      } catch {
        state.set({ ...state.get(), user: null, status: "unauthenticated" });
      } finally {
        checking = undefined;
      }
    })());

  const signIn = async (route: string, body: unknown): Promise<U | null> => {
    const { data } = await transport.request<{ user?: U | null; accessToken?: string }>({ method: "POST", path: `${base}${route}`, body });
    if (typeof data?.accessToken === "string") {
      // JWT session strategy: the answer's token is the credential from now on (spec 80 §7.3).
      transport.setHeader("authorization", `Bearer ${data.accessToken}`);
      client.setAuthToken(data.accessToken);
      state.set({ ...state.get(), accessToken: data.accessToken });
    }
    await refetch();
    return state.get().user ?? data?.user ?? null;
  };

  return {
    getSnapshot: state.get,
    subscribe(listener) {
      if (!started) {
        started = true;
        void refetch();
      }
      return state.subscribe(listener);
    },
    refetch,
    login: (email, password) => signIn("/login", { email, password }),
    signup: (input) => signIn("/signup", input),
    async logout() {
      try {
        await transport.request({ method: "POST", path: config.logoutUrl, body: {}, noAuthRetry: true });
      } catch {
        // Logging out locally must work whatever the server says (spec 80 §7.3).
      }
      if (state.get().accessToken && !config.headers.authorization) {
        transport.removeHeader("authorization");
        client.clearAuthToken();
      }
      state.set({ user: null, status: "unauthenticated", accessToken: config.headers.authorization ? state.get().accessToken : null });
    },
    async requestEmailVerification(email) {
      await transport.request({ method: "POST", path: `${base}/verify/request`, body: { email } });
    },
    async confirmEmail(email, token) {
      await transport.request({ method: "POST", path: `${base}/verify/confirm`, body: { email, token } });
    },
    signInWith(provider) {
      const location = (globalThis as { location?: { assign(url: string): void } }).location;
      const url = joinUrl(config.baseUrl, `${config.socialBasePath.replace(/\/+$/, "")}/${encodeURIComponent(provider)}`);
      if (!location || typeof location.assign !== "function") throw new Error(`signInWith needs a browser; open ${url} yourself`);
      location.assign(url);
    },
  };
}

/** `useAuth` with strategy `jwt` over the client's JWT client: its state, its login and logout. */
export function createJWTStore<U>(jwt: JWTClient<U>, session: AuthStore<U>): AuthStore<U> {
  let snapshot: AuthSnapshot<U> | undefined;
  const read = (): AuthSnapshot<U> => {
    const s = jwt.getState();
    const status = s.isLoading ? "loading" : s.isAuthenticated ? "authenticated" : "unauthenticated";
    if (!snapshot || snapshot.user !== s.user || snapshot.status !== status || snapshot.accessToken !== s.accessToken) snapshot = { user: s.user, status, accessToken: s.accessToken };
    return snapshot;
  };
  return {
    ...session,
    getSnapshot: read,
    subscribe(listener) {
      const off = jwt.subscribe(listener);
      void jwt.ready.then(listener);
      return off;
    },
    refetch: () => jwt.ready,
    login: (email, password) => jwt.login(email, password),
    signup: ({ email, password, name }) => jwt.signup(email, password, name),
    logout: () => jwt.logout(),
  };
}
