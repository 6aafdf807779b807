/**
 * Request ids: the caller's id when it is a plain token, else a fresh UUID; stored as
 * `c.get("requestId")` (which `errorHandler` then uses, so a problem's `requestId` equals the
 * echoed header) and echoed on the response.
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { setResponseHeaders } from "../headers.js";

declare module "hono" {
  interface ContextVariableMap {
    /** This request's id (observability / request-id middleware). */
    requestId: string;
    /** The W3C trace id of this request, else its request id (observability middleware). */
    traceId: string;
  }
}

/** What an inbound request id may look like; anything else is replaced (no header or log injection). */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's request id from `header` when it is a plain token, else a new UUID. */
export function resolveRequestId(c: Context, header = "x-request-id"): string {
  const given = c.req.header(header);
  return given && REQUEST_ID_PATTERN.test(given) ? given : crypto.randomUUID();
}

/**
 * Sets `c.get("requestId")` and echoes it in `header` (default `X-Request-Id`).
 * @example app.use("*", requestIdMiddleware());
 */
export function requestIdMiddleware(header = "X-Request-Id"): MiddlewareHandler {
  return async (c, next) => {
    const id = resolveRequestId(c, header);
    c.set("requestId", id);
    await next();
    setResponseHeaders(c, [[header, id]]);
  };
}
