/**
 * `createCovara(options)`: a Hono app with problem+json errors, CORS, security headers,
 * health endpoints and chainable `.resource()` mounts (spec 10 §1.1).
 * @module
 */
import { Hono, type MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { Table } from "drizzle-orm";
import { errorHandler, notFoundHandler } from "../errors/handler.js";
import type { ResourceConfig, UserContext } from "../resource/config.js";
import { resourceRouter } from "../resource/router.js";
import { createResourceRuntime, type ResourceRegistry, type ResourceRuntime } from "../resource/runtime.js";
import { AUTH_INSTALLED } from "../resource/scope.js";
import { getLogger, type Logger } from "../log/logger.js";
import type { KvStore } from "../ports/kv-store.js";
import { observabilityMiddleware, type ObservabilityConfig } from "../middleware/observability/index.js";
import { healthRoutes, type HealthConfig, type ServerState } from "./health.js";
import { createSecurityHeaders, securityHeaderPlan, type SecurityHeaderPlan, type SecurityHeadersOptions } from "./security-headers.js";
import type { OpenApiConfig } from "../openapi/document.js";
import { openapiRoutes } from "../openapi/routes.js";
import { Realtime, type RealtimeOptions } from "../realtime/realtime.js";
import { MULTIPLEX_PATH, multiplexRouter, type MultiplexOptions } from "../realtime/multiplex/routes.js";

/** Context variables Covara sets. */
export interface CovaraVariables {
  user: UserContext | null;
  covaraAuthInstalled: boolean;
  /** The app's KV store (`createCovara({ kv })`). */
  kv: KvStore;
  /** Set by the observability middleware. */
  requestId: string;
  traceId: string;
}

/** Hono environment of a Covara app. */
export interface CovaraEnv {
  Variables: CovaraVariables;
  Bindings: Record<string, unknown>;
}

/** Options of `createCovara`. */
export interface CovaraOptions {
  /** Prefix of every `.resource()` mount. Default `"/api"`; `""` or `"/"` for none. */
  basePath?: string;
  /** `true` for `hono/cors` defaults, or its options object. */
  cors?: boolean | Parameters<typeof cors>[0];
  /** Security headers; on by default. */
  securityHeaders?: boolean | SecurityHeadersOptions;
  /** `/healthz` and `/readyz`; on by default. */
  health?: boolean | HealthConfig;
  /** Middleware applied to every route after the built-ins, before auth. */
  middleware?: MiddlewareHandler[];
  /**
   * The app's KV store (memory, Redis or Durable Object backend), put on every request's context
   * as `c.get("kv")`; rate limits and idempotency use it. Without it they fall back to the global
   * KV (`setGlobalKV`), then to a private in-memory store.
   */
  kv?: KvStore;
  /** Request ids, trace ids, timing, logs and metrics (`observabilityMiddleware`); off by default. */
  observability?: boolean | ObservabilityConfig;
  /** An auth router and middleware (e.g. from `useAuth`); the middleware sets `c.get("user")`. */
  auth?: { router?: Hono<any>; middleware: MiddlewareHandler<any>; path?: string };
  /**
   * `/__covara/openapi.json`, `/__covara/openapi.yaml`, `/__covara/schema` and the reference page
   * `/__covara/docs`; on by default, `false` removes them (docs/openapi.md).
   */
  openapi?: boolean | OpenApiConfig;
  /** The realtime hub and `sse` defaults (docs/subscriptions.md). */
  realtime?: RealtimeOptions;
  /**
   * The shared SSE stream at `/__covara/stream` (spec 20 §10), whatever the `basePath`; on by
   * default, `false` removes it.
   */
  multiplex?: boolean | MultiplexOptions;
}

/** A registered resource: its mount path and runtime. */
export interface RegisteredResource {
  path: string;
  runtime: ResourceRuntime;
}

function normalizeBase(basePath: string | undefined): string {
  const base = basePath ?? "/api";
  if (base === "" || base === "/") return "";
  const withSlash = base.startsWith("/") ? base : `/${base}`;
  return withSlash.replace(/\/+$/, "");
}

/** A Covara app: a Hono app that also mounts resources. */
export class CovaraApp extends Hono<CovaraEnv> {
  /** Mounted resources, in the order added. */
  readonly resources: RegisteredResource[] = [];
  /** Process facts shared with the server adapter (readiness during shutdown). */
  readonly serverState: ServerState = { shuttingDown: false };
  readonly basePrefix: string;
  /** The store given as `kv`, if any. */
  readonly kv: KvStore | undefined;
  /** The hub, `sse` defaults and the live streams this app holds. */
  readonly realtime: Realtime;
  /** Mounted resources by resource name: relation targets, includes and nested writes look here. */
  readonly registry: ResourceRegistry = {
    get: (name) => this.resources.find((r) => r.runtime.model.name === name)?.runtime,
    all: () => this.resources.map((r) => r.runtime),
  };

  /** Resource routers built but not yet added to Hono's router (see `mountResources`). */
  #pending: { mount: string; router: Hono }[] = [];
  #mounting = false;
  /** The one-time open-resources warning, until the first request has said it. */
  #announce: (() => void) | undefined;
  /** Depth of route registrations in progress: Hono reads `routes` while adding one. */
  #registering = 0;
  /** Security headers, applied around every dispatch (see the constructor). */
  #security: { plan: SecurityHeaderPlan; middleware: MiddlewareHandler } | undefined;

  constructor(options: CovaraOptions = {}) {
    super();
    this.#deferResourceRoutes();
    this.basePrefix = normalizeBase(options.basePath);
    this.kv = options.kv;
    const logger = (typeof options.observability === "object" && options.observability.logger) || getLogger();
    this.realtime = new Realtime(options.realtime, logger, options.kv);
    this.serverState.closeStreams = () => this.realtime.closeAll();
    this.onError(errorHandler);
    this.notFound(notFoundHandler);
    const kv = options.kv;
    // First, so every later middleware (rate limits, idempotency) and route sees the store.
    if (kv) {
      this.use("*", async (c, next) => {
        c.set("kv", kv);
        await next();
      });
    }
    if (options.cors) this.use("*", cors(options.cors === true ? undefined : options.cors));
    if (options.securityHeaders !== false) {
      // Applied by `fetch`, not as a middleware: with no "*" middleware a route with one handler
      // takes Hono's fast path. A parent app that mounts this one gets it as a middleware.
      const settings = options.securityHeaders === true ? {} : options.securityHeaders;
      this.#security = { plan: securityHeaderPlan(settings), middleware: createSecurityHeaders(settings) };
    }
    if (options.observability) {
      this.use("*", observabilityMiddleware(options.observability === true ? {} : options.observability));
    }
    for (const middleware of options.middleware ?? []) this.use("*", middleware);
    // Said at the first request, not by a middleware: a one-time line must not cost every request.
    if (!options.auth) this.#announce = () => this.#announceOpenResources((typeof options.observability === "object" && options.observability.logger) || getLogger());
    if (options.auth) {
      const { router, middleware, path } = options.auth;
      this.use("*", async (c, next) => {
        c.set("covaraAuthInstalled", true);
        await next();
      });
      this.use("*", middleware);
      if (router) this.route(path ?? `${this.basePrefix}/auth`, router);
    }
    const health = options.health ?? true;
    if (health !== false && (health === true || health.enabled !== false)) {
      this.route("/", healthRoutes(health === true ? {} : health, this.serverState));
    }
    if (options.openapi !== false) {
      const app = this;
      // Read on first request, when every resource has been mounted.
      const source = { get resources() { return app.resources; }, get routes() { return app.routes; }, authInstalled: options.auth !== undefined };
      this.route("/", openapiRoutes(source, options.openapi === true || options.openapi === undefined ? {} : options.openapi));
    }
    if (options.multiplex !== false) {
      // Deferred like the resources: middleware the app adds later (auth) must run before it.
      const settings = options.multiplex === true || options.multiplex === undefined ? {} : options.multiplex;
      this.#pending.push({ mount: MULTIPLEX_PATH, router: multiplexRouter(this, settings) });
    }
  }

  /**
   * Mounts a resource at `${basePath}${path}`, or at `${basePath}/${tableName}` without a path.
   * @example app.resource("/users", usersTable, { id: usersTable.id, db })
   */
  resource<T extends Table>(path: string, table: T, config: ResourceConfig<T>): this;
  resource<T extends Table>(table: T, config: ResourceConfig<T>): this;
  resource(pathOrTable: string | Table, tableOrConfig: Table | ResourceConfig, maybeConfig?: ResourceConfig): this {
    const [path, table, config] =
      typeof pathOrTable === "string"
        ? [pathOrTable, tableOrConfig as Table, maybeConfig!]
        : [undefined, pathOrTable, tableOrConfig as ResourceConfig];
    const runtime = createResourceRuntime(table, config, this.registry, this.realtime);
    const relative = path === undefined ? `/${runtime.model.name}` : path.startsWith("/") ? path : `/${path}`;
    const mount = `${this.basePrefix}${relative}`.replace(/\/+$/, "") || "/";
    // Built now, so configuration mistakes throw here; added to the router at the first request.
    this.#pending.push({ mount, router: resourceRouter(runtime) });
    this.resources.push({ path: mount, runtime });
    return this;
  }

  /**
   * Adds the resources' routes to Hono's router. Hono runs a request's handlers in registration
   * order, so resources registered eagerly would run before middleware the app adds afterwards —
   * the README adds `app.use("*", authMiddleware)` after `.resource()`. Resources therefore join
   * the router when it is first used: the first request, or the first read of `routes` (a parent
   * app's `route("/", app)` copies them from there).
   */
  mountResources(): void {
    if (this.#mounting || this.#pending.length === 0) return;
    this.#mounting = true;
    try {
      for (const { mount, router } of this.#pending.splice(0)) this.route(mount, router);
    } finally {
      this.#mounting = false;
    }
  }

  /**
   * Spec 10 §2.1 "default access": without an auth adapter, resources without `auth` serve
   * everyone. Said once, at the first request (when every resource is mounted), through the app's
   * logger, so nobody ships an open API without being told.
   */
  #announceOpenResources(logger: Logger): void {
    const open = this.resources.filter((r) => !r.runtime.config.auth).map((r) => r.path);
    if (open.length > 0) logger.warn(`No auth adapter installed: resources without \`auth\` are open to anyone: ${open.join(", ")}`, { openResources: open });
  }

  #firstRequest(): void {
    this.mountResources();
    const announce = this.#announce;
    this.#announce = undefined;
    announce?.();
  }

  #deferResourceRoutes(): void {
    const routes = this.routes;
    Object.defineProperty(this, "routes", {
      configurable: true,
      enumerable: true,
      get: () => {
        if (this.#registering > 0) return routes;
        this.mountResources();
        // Read from outside (a parent's `route()`): the security headers come along, first.
        const security = this.#security;
        return security ? [{ basePath: "/", path: "*", method: "ALL", handler: security.middleware }, ...routes] : routes;
      },
    });
    // Every registration method reads `routes` while adding (`route` also reads the sub-app's).
    const self = this as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const name of ["get", "post", "put", "delete", "options", "patch", "all", "on", "use", "route"]) {
      const register = self[name]!.bind(this);
      self[name] = (...args: unknown[]) => {
        this.#registering++;
        try {
          return register(...args);
        } finally {
          this.#registering--;
        }
      };
    }
    const dispatch = this.fetch;
    this.fetch = (request, env, executionCtx) => {
      if (this.#pending.length > 0 || this.#announce) this.#firstRequest();
      const security = this.#security;
      if (!security || security.plan.beforeNode(env)) return dispatch(request, env, executionCtx);
      const response = dispatch(request, env, executionCtx);
      return response instanceof Promise ? response.then((res) => withHeaders(res, security.plan.missing(res, env, request.url))) : withHeaders(response, security.plan.missing(response, env, request.url));
    };
  }
}

/** `response` with `headers` added; a response with immutable headers (a `fetch()` passthrough) is copied. */
function withHeaders(response: Response, headers: [string, string][]): Response {
  if (headers.length === 0) return response;
  try {
    for (const [name, value] of headers) response.headers.set(name, value);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    for (const [name, value] of headers) copy.headers.set(name, value);
    return copy;
  }
}

/**
 * Creates a Covara app.
 * @example
 * const app = createCovara({ cors: true }).resource("/users", usersTable, { id: usersTable.id, db });
 * export default app; // Workers, or: await startServer(app) on Node
 */
export function createCovara(options: CovaraOptions = {}): CovaraApp {
  return new CovaraApp(options);
}
