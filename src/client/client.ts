/**
 * `createClient` / `getOrCreateClient` / `getClient` (spec 80 §1). The client registers itself on
 * `globalThis.__covaraClient`, so hooks find it and it survives hot module reload. Auth code is
 * loaded on first use (`import()`), and so is offline support: `offline` attaches a stand-in at once
 * that forwards to the manager once its chunk is in (or attach one yourself with `attachOffline`).
 * @module
 */
import { checkAuth, createJWTClient, createSessionClient } from "./auth/entry.js";
import type { JWTClient } from "./auth/jwt-types.js";
import type { AuthCheck, SessionClient } from "./auth/session.js";
import { authHeadersFor, resolveAuthStrategy } from "./auth/strategy.js";
import type { ClientConfig } from "./config.js";
import type { TransportError } from "./errors.js";
import { lazyOfflineManager } from "./offline/lazy.js";
import type { OfflineManager } from "./offline/types.js";
import type { OfflineManagerLike } from "./offline-port.js";
import { PrefetchedList } from "./prefetch.js";
import { QueryCache, type InvalidateTarget } from "./query-cache.js";
import { createResourceClient, type ResourceClient } from "./resource.js";
import type { ListOptions, ListResult, Row } from "./resource-types.js";
import { Transport } from "./transport.js";
import { joinUrl } from "./url.js";

/** A Covara client. */
export interface CovaraClient {
  /** The options it was created with. */
  readonly config: ClientConfig;
  readonly transport: Transport;
  /** The JWT client, when `jwt` was configured. */
  readonly jwt: JWTClient<any> | undefined;
  /** Cookie-session (and JWT-session) routes. */
  readonly session: SessionClient<any>;
  /** The OIDC manager, once one is attached. */
  auth: { isAuthenticated(): boolean; getUser(): unknown; getAccessToken(): string | null } | undefined;
  /** The offline manager (spec 80 §6.1): with `offline` configured, or once one is attached. */
  readonly offline: OfflineManager | undefined;
  readonly queryCache: QueryCache;
  /** A typed client for the resource mounted at `path` (`"/api/todos"`). */
  resource<T extends Row = Row & Record<string, unknown>, P = {}>(path: string): ResourceClient<T, P>;
  /** Sends `Authorization: Bearer <token>` from now on. */
  setAuthToken(token: string): void;
  clearAuthToken(): void;
  /** Called with a 401 that refresh could not cure (live queries and subscriptions). */
  setAuthErrorHandler(handler: ((error: TransportError) => void) | undefined): void;
  /** Queued offline mutations (0 without offline support). */
  getPendingCount(): number;
  /** Who is signed in: the JWT client's user, else `GET authCheckUrl`; any failure → `{ user: null }`. */
  checkAuth<U = unknown>(url?: string): Promise<AuthCheck<U>>;
  /** `<baseUrl><social.basePath>/<provider>`. */
  socialLoginUrl(provider: string): string;
  /** Navigates to the social login page (browsers only; elsewhere open `socialLoginUrl` yourself). */
  loginWithSocial(provider: string): void;
  /** Refetches cached queries under a path prefix (or matching a predicate); returns how many. A path is also sent to other tabs (`tabSync`). */
  invalidate(target: InvalidateTarget): number;
  /** Loads a list into the query cache; resolves with the page once fetched. */
  prefetch<T extends Row = Row & Record<string, unknown>>(path: string, options?: ListOptions<T, never>): Promise<ListResult<T>>;
  /**
   * Plugs in an offline manager (replacing and destroying the current one); undefined detaches.
   * Writes need only `OfflineManagerLike`; `client.offline` is typed as the full `OfflineManager`.
   */
  attachOffline(manager: OfflineManagerLike | undefined): void;
}

type GlobalWithClient = typeof globalThis & { __covaraClient?: CovaraClient };

const isJWTClient = (value: unknown): value is JWTClient<any> => typeof (value as JWTClient | undefined)?.getAccessToken === "function";

/**
 * Creates a client and registers it as the global one (the last call wins).
 * @example
 * const client = createClient({ baseUrl: "https://api.example.com", credentials: "include" });
 * const todos = await client.resource<Todo>("/api/todos").list({ limit: 20 });
 */
export function createClient(config: ClientConfig): CovaraClient {
  if (typeof config?.baseUrl !== "string") throw new TypeError("createClient: `baseUrl` is required");
  const transport = new Transport(config);
  const queryCache = new QueryCache();
  let offline: OfflineManager | undefined;

  let jwt: JWTClient<any> | undefined;
  if (config.jwt) {
    const options = config.jwt;
    jwt = isJWTClient(options) ? options : createJWTClient({ ...options, baseUrl: config.baseUrl, fetch: config.fetch });
  }

  // Keeps the credential headers in line with the strategy in force (spec 80 §5.1).
  const strategyInput = () => ({ strategy: config.strategy, token: config.token, apiKey: config.apiKey, jwt, oidc: client.auth });
  let applied: Record<string, string> = {};
  const applyStrategy = () => {
    const kind = resolveAuthStrategy(strategyInput());
    if (kind === "cookie" && config.strategy === "cookie" && !config.credentials) transport.credentials = "include";
    const headers = authHeadersFor(kind, strategyInput());
    // Withdraw what this function set earlier (a signed-out JWT's bearer), not what the app set since.
    const current = transport.getHeaders();
    for (const [name, value] of Object.entries(applied)) if (!(name in headers) && current[name] === value) transport.removeHeader(name);
    for (const [name, value] of Object.entries(headers)) transport.setHeader(name, value);
    applied = headers;
  };
  if (jwt) {
    const signIn = jwt;
    transport.waitFor(signIn.ready);
    signIn.subscribe(() => applyStrategy());
    // Only a signed-in JWT client refreshes (spec 80 §4.4); cookie-only clients get the 401 as is.
    transport.setRefresher(async () => (signIn.isAuthenticated() ? signIn.refresh() : null));
  }

  const session = createSessionClient<any>(transport, config.session?.basePath);
  const socialLoginUrl = (provider: string) => joinUrl(config.baseUrl, `${config.social?.basePath ?? "/api/auth/social"}/${encodeURIComponent(provider)}`);

  const client: CovaraClient = {
    config,
    transport,
    jwt,
    session,
    auth: undefined,
    get offline() {
      return offline;
    },
    queryCache,
    resource: <T extends Row, P>(path: string) => createResourceClient<T, P>({ transport, offline: () => offline, reconnect: config.reconnect }, path),
    setAuthToken: (token) => transport.setHeader("authorization", `Bearer ${token}`),
    clearAuthToken: () => transport.removeHeader("authorization"),
    setAuthErrorHandler: (handler) => {
      transport.onAuthError = handler;
    },
    getPendingCount: () => offline?.getPendingCount() ?? 0,
    checkAuth: (url) => checkAuth(transport, url ?? config.authCheckUrl ?? "/api/auth/me", jwt),
    socialLoginUrl,
    loginWithSocial(provider) {
      const location = (globalThis as { location?: { assign(url: string): void } }).location;
      if (!location || typeof location.assign !== "function") throw new Error("loginWithSocial needs a browser; open client.socialLoginUrl(provider) yourself");
      location.assign(socialLoginUrl(provider));
    },
    invalidate(target) {
      if (typeof target === "string") offline?.broadcastInvalidate?.([target]);
      return queryCache.invalidate(target);
    },
    async prefetch<T extends Row>(path: string, options: ListOptions<T, never> = {}) {
      // A query already cached under the same key (prefetched, or a live query) is refreshed instead.
      const key = queryCache.key(path, options as Record<string, unknown>);
      const query = queryCache.get(key) ?? queryCache.put(key, new PrefetchedList<T>(client.resource<T>(path), options));
      await query.refresh();
      return ((query as { data?: ListResult<T> }).data ?? { items: [], nextCursor: null, hasMore: false });
    },
    attachOffline(manager) {
      if (offline && offline !== manager) offline.destroy?.();
      offline = manager as OfflineManager | undefined;
    },
  };
  applyStrategy();
  const wantsOffline = config.offline === true || (typeof config.offline === "object" && config.offline?.enabled === true);
  // The offline code is its own chunk: only apps that configure `offline` load it.
  if (wantsOffline) offline = lazyOfflineManager(() => import("./offline/attach.js").then((m) => m.createClientOfflineManager(client)!));
  (globalThis as GlobalWithClient).__covaraClient = client;
  return client;
}

/** The registered client if there is one (its config wins; `config` is then ignored), else `createClient(config)`. */
export function getOrCreateClient(config: ClientConfig): CovaraClient {
  return (globalThis as GlobalWithClient).__covaraClient ?? createClient(config);
}

/** The registered client; throws before `createClient`/`getOrCreateClient` ran. */
export function getClient(): CovaraClient {
  const client = (globalThis as GlobalWithClient).__covaraClient;
  if (!client) throw new Error("Covara client not initialized: call createClient() or getOrCreateClient() first");
  return client;
}
