/**
 * `createJWTClient` (spec 80 §5.3): login, signup, refresh and logout against Covara's JWT routes
 * (`jwtSession` through `useAuth`, or `createJWTAdapter`), with tokens persisted in a pluggable
 * storage. The refresh token travels in the HttpOnly cookie where the runtime keeps cookies, and
 * in the request body where a login response handed it over (React Native, Node).
 * @module
 */
import { Transport } from "../transport.js";
import type { JWTClient, JWTClientConfig, JWTState, JWTUser } from "./jwt-types.js";
import { toTokenStorage } from "./token-storage.js";

interface TokenBody {
  accessToken?: string;
  refreshToken?: string;
  expiresIn?: number;
  user?: unknown;
}

const KEYS = ["accessToken", "expiresAt", "user", "refreshToken"] as const;

/** Builds the JWT client; loaded on demand through `createJWTClient` (auth/entry.ts). */
export function buildJWTClient<U = JWTUser>(config: JWTClientConfig<U>): JWTClient<U> {
  const authPath = (config.authPath ?? "/api/auth").replace(/\/+$/, "");
  const storage = toTokenStorage(config.storage);
  // Its own transport: a refresh must never trigger the client's 401 refresh-and-retry.
  const transport = new Transport({ baseUrl: config.baseUrl, credentials: "include", fetch: config.fetch });
  const persistRefresh = config.persistRefreshToken ?? typeof document === "undefined";
  const listeners = new Set<(state: JWTState<U>) => void>();
  let state: JWTState<U> = { accessToken: null, expiresAt: null, user: null, isAuthenticated: false, isLoading: true };
  let refreshToken: string | null = null;

  const emit = (patch: Partial<JWTState<U>>) => {
    const next = { ...state, ...patch };
    state = { ...next, isAuthenticated: next.accessToken !== null };
    config.onAuthChange?.(state);
    for (const listener of listeners) listener(state);
  };

  const persist = async () => {
    const values: Record<(typeof KEYS)[number], string | null> = {
      accessToken: state.accessToken,
      expiresAt: state.expiresAt?.toISOString() ?? null,
      user: state.user === null ? null : JSON.stringify(state.user),
      refreshToken: persistRefresh ? refreshToken : null,
    };
    await Promise.all(KEYS.map((key) => (values[key] === null ? storage.remove(key) : storage.set(key, values[key]!))));
  };

  const ready = (async () => {
    try {
      const [accessToken, expiresAt, user, storedRefresh] = await Promise.all(KEYS.map((key) => storage.get(key)));
      refreshToken = storedRefresh ?? null;
      emit({
        accessToken: accessToken ?? null,
        expiresAt: expiresAt ? new Date(expiresAt) : null,
        user: user ? (JSON.parse(user) as U) : null,
        isLoading: false,
      });
    } catch {
      // Unreadable storage: start logged out rather than never finishing.
      emit({ isLoading: false });
    }
  })();

  const post = async <T>(route: string, body: unknown, bearer?: string | null) =>
    (await transport.request<T>({ method: "POST", path: `${authPath}${route}`, body, noAuthRetry: true, headers: bearer ? { authorization: `Bearer ${bearer}` } : undefined })).data;

  const me = async (token: string): Promise<U | null> =>
    (await transport.request<{ user?: U | null }>({ path: `${authPath}/me`, headers: { authorization: `Bearer ${token}` }, noAuthRetry: true })).data?.user ?? null;

  /** Takes the tokens of a login, signup or refresh response. */
  const accept = async (body: TokenBody | undefined, user?: U | null): Promise<void> => {
    if (!body?.accessToken) throw new Error("The server returned no access token");
    if (body.refreshToken) refreshToken = body.refreshToken;
    const expiresAt = typeof body.expiresIn === "number" ? new Date(Date.now() + body.expiresIn * 1000) : null;
    emit({ accessToken: body.accessToken, expiresAt, ...(user !== undefined ? { user } : {}) });
    await persist();
  };

  const clear = async () => {
    refreshToken = null;
    emit({ accessToken: null, expiresAt: null, user: null });
    await persist();
  };

  const signIn = async (route: string, credentials: Record<string, string>): Promise<U> => {
    await ready;
    const body = await post<TokenBody>(route, credentials);
    const user = (body?.user as U | undefined) ?? (body?.accessToken ? await me(body.accessToken) : null);
    await accept(body, user);
    return user as U;
  };

  return {
    ready,
    login: (email, password) => signIn("/login", { email, password }),
    signup: (email, password, name) => signIn("/signup", name === undefined ? { email, password } : { email, password, name }),
    async refresh() {
      await ready;
      try {
        const body = await post<TokenBody>("/refresh", refreshToken ? { refreshToken } : {});
        await accept(body);
        return body.accessToken!;
      } catch (error) {
        // A refused refresh token means the session is over; a network failure does not.
        if ((error as { status?: number }).status === 401) await clear();
        throw error;
      }
    },
    async logout() {
      await ready;
      const token = state.accessToken;
      try {
        await post("/logout", refreshToken ? { refreshToken } : {}, token);
      } catch {
        // Logging out locally must work offline and against a server that forgot the session.
      }
      await clear();
    },
    getUser: () => state.user,
    getState: () => state,
    getAccessToken: () => state.accessToken,
    isAuthenticated: () => state.isAuthenticated,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
