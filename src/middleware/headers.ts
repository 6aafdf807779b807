/**
 * Setting headers on `c.res` after `next()`: a response passed through from `fetch()` (or
 * `Response.redirect()`) has immutable headers, so it is copied once when a set fails.
 * @module
 */
import type { Context } from "hono";

/** Sets each header on the response, copying the response when its headers are immutable. */
export function setResponseHeaders(c: Context, headers: Iterable<[string, string]>): void {
  const entries = [...headers];
  if (entries.length === 0) return;
  try {
    for (const [name, value] of entries) c.res.headers.set(name, value);
  } catch {
    const copy = new Response(c.res.body, c.res);
    for (const [name, value] of entries) copy.headers.set(name, value);
    c.res = copy;
  }
}
