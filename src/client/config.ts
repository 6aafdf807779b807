/**
 * Options of `createClient` (spec 80 §1). Options for features that plug in later (OIDC,
 * billing, proof-of-work, captcha) are accepted and kept on `client.config` for them; `offline`
 * is read by the offline support the client loads when it is set.
 * @module
 */
import type { ReconnectOptions } from "./backoff.js";
import type { ParseDatesOption } from "./dates.js";
import type { CsrfEcho } from "./transport.js";
import type { AuthStrategy } from "./auth/strategy.js";
import type { JWTClient } from "./auth/jwt-types.js";
import type { AsyncStorageLike, TokenStorage } from "./auth/token-storage.js";
import type { OfflineConfig } from "./offline/types.js";

export type { OfflineConfig } from "./offline/types.js";

/** Options of `createClient`. */
export interface ClientConfig {
  /** Origin, optionally with a prefix, that request paths are appended to. */
  baseUrl: string;
  /** Sent with every request. */
  headers?: Record<string, string>;
  /** `"include"` sends cookies cross-origin (cookie sessions on another origin). */
  credentials?: RequestCredentials;
  /** Per-request timeout in ms. */
  timeout?: number;
  /**
   * CSRF double-submit for cookie sessions (spec 40 §12): unsafe requests echo the `csrf_token`
   * cookie in `X-CSRF-Token` when the page can read it. Default on; names to match the server's
   * `csrf` options, or `false`.
   */
  csrf?: false | CsrfEcho;
  /** Offline support (spec 80 §6): `true` (queue in localStorage where there is one) or an `OfflineConfig`. */
  offline?: boolean | OfflineConfig;
  /** A queued offline mutation failed to sync. */
  onError?: (error: unknown) => void;
  /** An offline sync pass finished. */
  onSyncComplete?: () => void;
  /** Used by `checkAuth()`. Default `/api/auth/me`. */
  authCheckUrl?: string;
  /** OIDC settings (`OIDCClientConfig`), for the OIDC manager. */
  auth?: Record<string, unknown>;
  /**
   * JWT sign-in against the auth routes: `{ authPath?, storage? }` (the base URL is inherited), or
   * an existing `JWTClient`. The transport then sends its access token and refreshes it on 401.
   */
  jwt?: { authPath?: string; storage?: TokenStorage | AsyncStorageLike; persistRefreshToken?: boolean } | JWTClient<any>;
  /** `true` converts ISO date strings to `Date`; or date fields per resource path. */
  parseDates?: ParseDatesOption;
  billing?: { basePath?: string };
  /** `client.session` routes. Default base `/api/auth`. */
  session?: { basePath?: string };
  /** Social login routes. Default base `/api/auth/social`. */
  social?: { basePath?: string };
  /**
   * Share one SSE stream among subscriptions (spec 20 §10). Accepted; this client opens one
   * stream per subscription either way, which every server supports.
   */
  multiplex?: boolean;
  pow?: boolean | Record<string, unknown>;
  captcha?: boolean | Record<string, unknown>;
  /** Auth strategy (spec 80 §5.1); default `auto`. */
  strategy?: AuthStrategy;
  /** A fixed bearer token (strategy `bearer`). */
  token?: string;
  /** An API key, sent as `X-API-Key` (strategy `apiKey`). */
  apiKey?: string;
  /** The fetch to use (default: the global one). React Native: a streaming fetch such as `expo/fetch`. */
  fetch?: typeof fetch;
  /** Subscription reconnect tuning (backoff base and cap, stall timeout). */
  reconnect?: ReconnectOptions;
}
