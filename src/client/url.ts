/**
 * URL building without `URL`/`URLSearchParams`: React Native's versions of both are incomplete,
 * and a relative `baseUrl` ("" for same-origin in a browser) is not a valid `URL` base.
 * @module
 */

/** A query parameter value; `undefined`/`null` are dropped and arrays are comma-joined (spec 80 §4.1). */
export type ParamValue = string | number | boolean | null | undefined | readonly (string | number | boolean)[];

/** Query parameters of a request. */
export type Params = Record<string, ParamValue>;

/**
 * `baseUrl` + `path`. The base may carry a prefix (`https://api.example.com/v1` + `/users` →
 * `https://api.example.com/v1/users`); an absolute `path` (with a scheme) is used as is.
 */
export function joinUrl(baseUrl: string, path: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return path;
  const base = baseUrl.replace(/\/+$/, "");
  return `${base}${path.startsWith("/") ? "" : "/"}${path}`;
}

/** `?a=1&b=x%2Cy` from params, or "" when none remain. Empty arrays and empty strings are dropped too. */
export function queryString(params: Params | undefined): string {
  if (!params) return "";
  const parts: string[] = [];
  for (const [key, raw] of Object.entries(params)) {
    if (raw === undefined || raw === null) continue;
    const value = Array.isArray(raw) ? raw.join(",") : String(raw);
    if (value === "") continue;
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  }
  return parts.length > 0 ? `?${parts.join("&")}` : "";
}

/** `joinUrl` plus the query string (appended with `&` when `path` already has one). */
export function buildUrl(baseUrl: string, path: string, params?: Params): string {
  const url = joinUrl(baseUrl, path);
  const query = queryString(params);
  return query === "" ? url : url.includes("?") ? `${url}&${query.slice(1)}` : `${url}${query}`;
}
