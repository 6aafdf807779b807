/**
 * The client's HTTP layer (spec 80 §4): JSON requests against `baseUrl`, default and per-request
 * headers, cancellation and timeouts, problem+json errors, one 401 refresh-and-retry through a
 * pluggable refresher, optional date revival, and SSE streams. `fetch` is looked up per call, so
 * a polyfill installed after the client was created is still used.
 * @module
 */
import { cancellation } from "./abort.js";
import { dateFieldsFor, reviveDates, type ParseDatesOption } from "./dates.js";
import { TransportError } from "./errors.js";
import { FetchEventSource, headersOf, readBody, type EventSourceConstructor, type EventSourceLike } from "./event-source.js";
import { buildUrl, type Params } from "./url.js";

/** Options of a `Transport`. */
export interface TransportOptions {
  baseUrl: string;
  headers?: Record<string, string>;
  credentials?: RequestCredentials;
  /** Default per-request timeout in ms; none when absent. */
  timeout?: number;
  parseDates?: ParseDatesOption;
  /** The fetch to use; default the global one at call time (React Native: e.g. `expo/fetch` for streaming). */
  fetch?: typeof fetch;
  /**
   * Double-submit CSRF (spec 40 §12): on unsafe requests to the page's own origin, the token
   * cookie the server set is echoed in a header, read from `document.cookie`. On by default with
   * the server's default names; `false` turns it off.
   */
  csrf?: false | CsrfEcho;
}

/** Which cookie holds the CSRF token and which header echoes it. */
export interface CsrfEcho {
  /** Default `"csrf_token"`. */
  cookieName?: string;
  /** Default `"X-CSRF-Token"`. */
  headerName?: string;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);

/**
 * Whether `url` goes to the page's own origin. The token is the page's secret: a request to any
 * other origin never carries it (and a cross-origin API checks its own cookie, not the page's).
 */
function toPageOrigin(url: string): boolean {
  const here = (globalThis as { location?: { origin?: unknown } }).location?.origin;
  if (typeof here !== "string" || here === "null") return false;
  try {
    return new URL(url, here).origin === here;
  } catch {
    return false;
  }
}

/** The value of cookie `name` as the page sees it, if the page has cookies at all. */
function pageCookie(name: string): string | undefined {
  const cookies = (globalThis as { document?: { cookie?: unknown } }).document?.cookie;
  if (typeof cookies !== "string" || cookies === "") return undefined;
  for (const pair of cookies.split(";")) {
    const at = pair.indexOf("=");
    if (at > 0 && pair.slice(0, at).trim() === name) {
      const raw = pair.slice(at + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return undefined;
}

/** One request. */
export interface RequestOptions {
  method?: string;
  /** Path below `baseUrl` (or an absolute URL). */
  path: string;
  params?: Params;
  /** JSON-encoded; omitted when undefined. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Overrides the client's `timeout`. */
  timeoutMs?: number;
  /** Narrows which fields are turned into dates (with `parseDates`). */
  dateFields?: readonly string[];
  credentials?: RequestCredentials;
  /** Skip the 401 refresh-and-retry (the refresh request itself, for one). */
  noAuthRetry?: boolean;
}

/** A successful response. */
export interface TransportResponse<T> {
  data: T;
  status: number;
  headers: Record<string, string>;
}

/** Returns a fresh access token, or null when none could be had. */
export type TokenRefresher = () => Promise<string | null>;

const lower = (headers: Record<string, string> | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) out[key.toLowerCase()] = value;
  return out;
};

/**
 * HTTP transport shared by resources, subscriptions and auth helpers.
 * @example
 * const { data } = await client.transport.request<{ count: number }>({ path: "/api/todos/count" });
 */
export class Transport {
  readonly baseUrl: string;
  /** Default `credentials` of every request ("include" sends cookies cross-origin). */
  credentials: RequestCredentials | undefined;
  timeout: number | undefined;
  readonly parseDates: ParseDatesOption | undefined;
  /** Called with a 401 that survived refresh-and-retry, where live queries and subscriptions see it. */
  onAuthError: ((error: TransportError) => void) | undefined;
  readonly #fetch: typeof fetch | undefined;
  #headers: Record<string, string>;
  #refresher: TokenRefresher | undefined;
  #refreshing: Promise<string | null> | undefined;
  #ready: Promise<unknown> | undefined;
  #EventSource: EventSourceConstructor | undefined;
  readonly #csrf: { cookie: string; header: string } | undefined;

  constructor(options: TransportOptions) {
    this.#csrf = options.csrf === false ? undefined : { cookie: options.csrf?.cookieName ?? "csrf_token", header: (options.csrf?.headerName ?? "X-CSRF-Token").toLowerCase() };
    this.baseUrl = options.baseUrl;
    this.credentials = options.credentials;
    this.timeout = options.timeout;
    this.parseDates = options.parseDates;
    this.#fetch = options.fetch;
    this.#headers = lower(options.headers);
  }

  /** The fetch in use, bound to `globalThis` so a native fetch never throws "Illegal invocation". */
  get fetch(): typeof fetch {
    const impl = this.#fetch ?? globalThis.fetch;
    if (typeof impl !== "function") throw new Error("No fetch available: pass `fetch` to createClient");
    return impl.bind(globalThis);
  }

  /** Sets a header sent with every request (names are case-insensitive). */
  setHeader(name: string, value: string): void {
    this.#headers[name.toLowerCase()] = value;
  }

  /** Stops sending a default header. */
  removeHeader(name: string): void {
    delete this.#headers[name.toLowerCase()];
  }

  /** The default headers, lower-cased names. */
  getHeaders(): Record<string, string> {
    return { ...this.#headers };
  }

  /** Installs (or removes) the function that renews the access token after a 401. */
  setRefresher(refresher: TokenRefresher | undefined): void {
    this.#refresher = refresher;
  }

  /** Whether a refresher is installed. */
  get canRefresh(): boolean {
    return this.#refresher !== undefined;
  }

  /** Runs the refresher; concurrent callers share one refresh. Null when there is none or it failed. */
  refreshAuth(): Promise<string | null> {
    const refresher = this.#refresher;
    if (!refresher) return Promise.resolve(null);
    return (this.#refreshing ??= refresher()
      .catch(() => null)
      .finally(() => {
        this.#refreshing = undefined;
      }));
  }

  /** Holds requests until `promise` settles (e.g. a stored token being read at start-up). */
  waitFor(promise: Promise<unknown>): void {
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    const ready = (this.#ready = this.#ready ? Promise.all([this.#ready, settled]) : settled);
    void ready.then(() => {
      if (this.#ready === ready) this.#ready = undefined;
    });
  }

  /** The absolute URL of a path with query parameters. */
  url(path: string, params?: Params): string {
    return buildUrl(this.baseUrl, path, params);
  }

  /** Converts date strings in `data` as `parseDates` says for `path`. */
  reviveDates<T>(path: string, data: T, dateFields?: readonly string[]): T {
    const fields = dateFieldsFor(this.parseDates, path, dateFields);
    if (fields === false || data === undefined || data === null) return data;
    return reviveDates(data, fields === true ? undefined : fields);
  }

  /**
   * Sends one request. Non-2xx responses reject with `TransportError`; an abort or timeout
   * rejects with the abort reason. A 401 is refreshed and retried once when a refresher exists;
   * if that fails, the original 401 is thrown.
   */
  async request<T = unknown>(options: RequestOptions): Promise<TransportResponse<T>> {
    if (this.#ready) await this.#ready;
    const { signal, done } = cancellation(options.signal, options.timeoutMs ?? this.timeout);
    let response: Response;
    let body: unknown;
    try {
      const hasBody = options.body !== undefined;
      const method = (options.method ?? "GET").toUpperCase();
      const headers: Record<string, string> = { "content-type": "application/json", ...this.#headers, ...lower(options.headers) };
      const url = this.url(options.path, options.params);
      const csrf = this.#csrf;
      if (csrf && !SAFE_METHODS.has(method) && headers[csrf.header] === undefined && toPageOrigin(url)) {
        const token = pageCookie(csrf.cookie);
        if (token !== undefined) headers[csrf.header] = token;
      }
      response = await this.fetch(url, {
        method,
        headers,
        body: hasBody ? JSON.stringify(options.body) : undefined,
        credentials: options.credentials ?? this.credentials,
        signal,
      });
      body = await readBody(response);
    } catch (error) {
      // Some fetch implementations reject with a generic AbortError; the signal knows the real reason.
      if (signal?.aborted && signal.reason !== undefined) throw signal.reason;
      throw error;
    } finally {
      done();
    }
    const headers = headersOf(response);
    if (response.ok) return { data: this.reviveDates(options.path, body as T, options.dateFields), status: response.status, headers };
    const error = new TransportError(response.status, body, headers);
    if (response.status === 401 && !options.noAuthRetry && this.#refresher) {
      const token = await this.refreshAuth();
      if (token) return this.request<T>({ ...options, noAuthRetry: true, headers: { ...options.headers, authorization: `Bearer ${token}` } });
    }
    throw error;
  }

  /** Uses this `EventSource` class for streams instead of fetch streaming (React Native polyfills). */
  setEventSourceConstructor(ctor: EventSourceConstructor | undefined): void {
    this.#EventSource = ctor;
  }

  /** Whether streams go through a custom `EventSource` class. */
  get usesEventSourceConstructor(): boolean {
    return this.#EventSource !== undefined;
  }

  /**
   * Opens an SSE stream. With `lastEventId` the request carries `Last-Event-ID`. The returned
   * source never reconnects by itself (a native one is the caller's to close on error).
   */
  createEventSource(path: string, params?: Params, init: { lastEventId?: string } = {}): EventSourceLike {
    const url = this.url(path, params);
    const headers = () => {
      const out: Record<string, string> = { ...this.#headers, accept: "text/event-stream" };
      if (init.lastEventId) out["last-event-id"] = init.lastEventId;
      return out;
    };
    if (this.#EventSource) return new this.#EventSource(url, { withCredentials: this.credentials === "include", headers: headers() });
    return new FetchEventSource(url, { fetch: this.fetch, headers, credentials: this.credentials, ready: this.#ready });
  }
}
