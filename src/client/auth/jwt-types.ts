/**
 * Types of the JWT client (spec 80 §5.3), kept apart from its code so the client core can name
 * them while the code itself loads only when JWT is used.
 * @module
 */
import type { AsyncStorageLike, TokenStorage } from "./token-storage.js";

/** The user object of Covara's auth routes. */
export interface JWTUser {
  id: string;
  email?: string | null;
  name?: string | null;
  image?: string | null;
  [key: string]: unknown;
}

/** A snapshot of the JWT client. */
export interface JWTState<U = JWTUser> {
  accessToken: string | null;
  expiresAt: Date | null;
  user: U | null;
  isAuthenticated: boolean;
  /** True until the stored tokens were read at start-up. */
  isLoading: boolean;
}

/** Options of `createJWTClient`. */
export interface JWTClientConfig<U = JWTUser> {
  baseUrl: string;
  /** Where the auth routes are mounted. Default `/api/auth`. */
  authPath?: string;
  /** Default: `localStorage` in browsers, memory elsewhere. AsyncStorage-shaped stores are adapted. */
  storage?: TokenStorage | AsyncStorageLike;
  /** Called on every state change. */
  onAuthChange?: (state: JWTState<U>) => void;
  /**
   * Keep the refresh token (when a login response carries one) in `storage`. Default: true
   * outside browsers (no HttpOnly cookie jar there), false in browsers, where the refresh cookie
   * does the job and a script-readable refresh token would only widen what XSS can steal.
   */
  persistRefreshToken?: boolean;
  fetch?: typeof fetch;
}

/** A JWT session against Covara's auth routes. */
export interface JWTClient<U = JWTUser> {
  /** Settles once the stored tokens were read. */
  readonly ready: Promise<void>;
  /** `POST /login`; resolves with the user. Rejects with the server's message. */
  login(email: string, password: string): Promise<U>;
  /** `POST /signup` (logs in); resolves with the user. */
  signup(email: string, password: string, name?: string): Promise<U>;
  /** `POST /refresh`; resolves with the new access token. A rejected refresh token logs out. */
  refresh(): Promise<string>;
  /** `POST /logout` (errors ignored), then forgets everything locally. */
  logout(): Promise<void>;
  getUser(): U | null;
  getState(): JWTState<U>;
  getAccessToken(): string | null;
  isAuthenticated(): boolean;
  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (state: JWTState<U>) => void): () => void;
}
