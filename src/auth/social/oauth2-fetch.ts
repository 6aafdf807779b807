/**
 * The HTTP layer of a Passport OAuth 2.0 strategy, rebuilt on `fetch` so it runs on Workers:
 * the token exchange (RFC 6749 §4.1.3) and a stand-in for the `oauth` package's `OAuth2` client,
 * whose `get`/`_request` the strategies' `userProfile` call (node-oauth would need node:http).
 * @module
 */

/** The fields of node-oauth's `OAuth2` client that strategies carry as `_oauth2`. */
export interface PassportOAuth2Client {
  _clientId: string;
  _clientSecret?: string;
  _baseSite?: string;
  _authorizeUrl: string;
  _accessTokenUrl: string;
  _customHeaders?: Record<string, string>;
  _useAuthorizationHeaderForGET?: boolean;
  _accessTokenName?: string;
  _authMethod?: string;
}

/** node-oauth's callback: `err` is `{ statusCode, data }` for a non-2xx answer. */
type OAuthCallback = (err: unknown, body?: string, res?: { statusCode: number; headers: Record<string, string> }) => void;

/** HTTP settings shared by the exchange and the profile requests. */
export interface FetchSettings {
  fetch: typeof fetch;
  timeoutMs: number;
  /** Largest response body read, in bytes. */
  maxBodyBytes: number;
}

/** Why a provider request failed, without secrets. */
export class ProviderRequestError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = "ProviderRequestError";
  }
}

async function send(settings: FetchSettings, url: string, init: RequestInit): Promise<{ status: number; body: string; headers: Record<string, string> }> {
  const response = await settings.fetch(url, { ...init, redirect: "follow", signal: AbortSignal.timeout(settings.timeoutMs) });
  // Bytes, not text(): workerd warns on text() of form-encoded bodies, which token endpoints may send.
  const bytes = await response.arrayBuffer();
  if (bytes.byteLength > settings.maxBodyBytes) throw new ProviderRequestError("Provider response too large", response.status);
  const body = new TextDecoder().decode(bytes);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => (headers[key] = value));
  return { status: response.status, body, headers };
}

/** The base headers node-oauth would send: the strategy's custom headers and a User-Agent (GitHub requires one). */
function baseHeaders(client: PassportOAuth2Client): Record<string, string> {
  const headers: Record<string, string> = { ...(client._customHeaders ?? {}) };
  if (!Object.keys(headers).some((name) => name.toLowerCase() === "user-agent")) headers["User-Agent"] = "covara";
  return headers;
}

/** The token endpoint's URL, as node-oauth builds it. */
export function tokenUrl(client: PassportOAuth2Client): string {
  return (client._baseSite ?? "") + client._accessTokenUrl;
}

/** The authorization endpoint's URL, as node-oauth builds it. */
export function authorizeUrl(client: PassportOAuth2Client): string {
  return (client._baseSite ?? "") + client._authorizeUrl;
}

/**
 * Exchanges an authorization code (RFC 6749 §4.1.3): a form POST with `grant_type`, `code`,
 * `redirect_uri` (the one sent to the authorization endpoint) and `client_id`; the secret travels
 * in the body (`client_secret_post`, what passport-oauth2 sends and GitHub expects).
 */
export async function exchangeCode(
  client: PassportOAuth2Client,
  settings: FetchSettings,
  input: { code: string; redirectUri: string; extra?: Record<string, string> },
): Promise<{ accessToken: string; refreshToken: string | null; params: Record<string, unknown> }> {
  const form = new URLSearchParams({ ...(input.extra ?? {}), grant_type: "authorization_code", code: input.code, redirect_uri: input.redirectUri, client_id: client._clientId });
  if (client._clientSecret !== undefined) form.set("client_secret", client._clientSecret);
  const { status, body } = await send(settings, tokenUrl(client), {
    method: "POST",
    // GitHub answers form-encoded unless asked for JSON; both are parsed below anyway.
    headers: { ...baseHeaders(client), "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body: form.toString(),
  });
  if (status < 200 || status > 299) throw new ProviderRequestError("Failed to obtain access token", status);
  const params = parseTokenResponse(body);
  // GitHub reports a bad code with 200 and an `error` field (RFC 6749 §5.2 says 400).
  if (typeof params.error === "string") throw new ProviderRequestError("Failed to obtain access token", status);
  const accessToken = params.access_token;
  if (typeof accessToken !== "string" || accessToken === "") throw new ProviderRequestError("Failed to obtain access token", status);
  const refreshToken = typeof params.refresh_token === "string" ? params.refresh_token : null;
  return { accessToken, refreshToken, params };
}

function parseTokenResponse(body: string): Record<string, unknown> {
  try {
    const json: unknown = JSON.parse(body);
    if (json && typeof json === "object" && !Array.isArray(json)) return json as Record<string, unknown>;
  } catch {
    // Not JSON: older providers answer form-encoded (RFC 6749 drafts), as node-oauth tolerates.
  }
  return Object.fromEntries(new URLSearchParams(body));
}

/**
 * A stand-in for node-oauth's `OAuth2` with the same fields and the request methods strategies
 * call from `userProfile` (`get`, `getProtectedResource`, `_request`), on `fetch`.
 */
export function fetchOAuth2Client(client: PassportOAuth2Client, settings: FetchSettings): Record<string, unknown> {
  const standIn = {
    ...client,
    _customHeaders: { ...(client._customHeaders ?? {}) },
    _accessTokenName: client._accessTokenName ?? "access_token",
    _authMethod: client._authMethod ?? "Bearer",
    _useAuthorizationHeaderForGET: client._useAuthorizationHeaderForGET ?? false,
    setAccessTokenName(name: string) {
      standIn._accessTokenName = name;
    },
    setAuthMethod(method: string) {
      standIn._authMethod = method;
    },
    useAuthorizationHeaderforGET(useIt: boolean) {
      standIn._useAuthorizationHeaderForGET = useIt;
    },
    buildAuthHeader(token: string) {
      return `${standIn._authMethod} ${token}`;
    },
    _getAccessTokenUrl: () => tokenUrl(client),
    getAuthorizeUrl(params: Record<string, string> = {}) {
      return `${authorizeUrl(client)}?${new URLSearchParams({ ...params, client_id: client._clientId })}`;
    },
    getOAuthAccessToken() {
      throw new Error("covara: the token exchange runs in fromPassport, not through the strategy");
    },
    _request(method: string, url: string, headers: Record<string, string> | null, body: string | null, accessToken: string | null, callback: OAuthCallback) {
      const all: Record<string, string> = { ...baseHeaders(standIn), ...(headers ?? {}) };
      const target = new URL(url);
      // node-oauth puts the token in the query unless an Authorization header was given.
      if (accessToken && !("Authorization" in all)) target.searchParams.set(standIn._accessTokenName, accessToken);
      send(settings, target.toString(), { method, headers: all, ...(body ? { body } : {}) }).then(
        ({ status, body: text, headers: responseHeaders }) => {
          if ((status >= 200 && status <= 299) || status === 301 || status === 302) callback(null, text, { statusCode: status, headers: responseHeaders });
          else callback({ statusCode: status, data: text });
        },
        (error: unknown) => callback(error),
      );
    },
    get(url: string, accessToken: string, callback: OAuthCallback) {
      if (standIn._useAuthorizationHeaderForGET) standIn._request("GET", url, { Authorization: standIn.buildAuthHeader(accessToken) }, "", null, callback);
      else standIn._request("GET", url, {}, "", accessToken, callback);
    },
    getProtectedResource(url: string, accessToken: string, callback: OAuthCallback) {
      standIn._request("GET", url, {}, "", accessToken, callback);
    },
  };
  return standIn;
}
