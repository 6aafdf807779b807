/**
 * Auth strategy auto-detection (spec 80 §5.1): which credential a request carries when the app
 * did not say. Pure functions; `createClient` and `useAuth` apply the result.
 * @module
 */

/** How requests authenticate. */
export type AuthStrategy = "auto" | "cookie" | "jwt" | "bearer" | "apiKey";

/** What auto-detection looks at. */
export interface AuthStrategyInput {
  strategy?: AuthStrategy;
  /** A fixed bearer token. */
  token?: string | null;
  /** Sent as `X-API-Key`. */
  apiKey?: string | null;
  jwt?: { isAuthenticated(): boolean; getAccessToken(): string | null };
  oidc?: { isAuthenticated(): boolean };
}

/**
 * The strategy in force: an explicit one as given; `auto` picks the first of a `token` (bearer),
 * an `apiKey`, a JWT client that is signed in or holds a token, a signed-in OIDC manager (jwt),
 * and cookies.
 */
export function resolveAuthStrategy(input: AuthStrategyInput): Exclude<AuthStrategy, "auto"> {
  const strategy = input.strategy ?? "auto";
  if (strategy !== "auto") return strategy;
  if (input.token) return "bearer";
  if (input.apiKey) return "apiKey";
  if (input.jwt && (input.jwt.isAuthenticated() || input.jwt.getAccessToken())) return "jwt";
  if (input.oidc?.isAuthenticated()) return "jwt";
  return "cookie";
}

/** The headers a strategy sends (`Authorization` or `X-API-Key`); cookies need none. */
export function authHeadersFor(strategy: Exclude<AuthStrategy, "auto">, input: AuthStrategyInput & { accessToken?: string | null }): Record<string, string> {
  if (strategy === "bearer" && input.token) return { authorization: `Bearer ${input.token}` };
  if (strategy === "apiKey" && input.apiKey) return { "x-api-key": input.apiKey };
  const token = strategy === "jwt" ? (input.accessToken ?? input.jwt?.getAccessToken()) : undefined;
  return token ? { authorization: `Bearer ${token}` } : {};
}
