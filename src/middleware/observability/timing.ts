/** Response timing: `Server-Timing: total;dur=<ms>` and `X-Response-Time: <ms>ms` on every response. */
import type { MiddlewareHandler } from "hono";
import { setResponseHeaders } from "../headers.js";

/** The timing headers for a duration in ms. */
export function timingHeaders(durationMs: number): [string, string][] {
  const ms = Math.max(0, Math.round(durationMs * 10) / 10);
  return [
    ["Server-Timing", `total;dur=${ms}`],
    ["X-Response-Time", `${Math.round(ms)}ms`],
  ];
}

/**
 * Adds `Server-Timing` and `X-Response-Time` (the time spent inside this middleware). On Workers
 * the clock only advances across I/O, so CPU-only work reads as 0 ms there.
 * @example app.use("*", timingMiddleware());
 */
export function timingMiddleware(now: () => number = () => performance.now()): MiddlewareHandler {
  return async (c, next) => {
    const start = now();
    await next();
    setResponseHeaders(c, timingHeaders(now() - start));
  };
}
