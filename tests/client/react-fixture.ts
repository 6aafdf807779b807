/**
 * Helpers for the React hook tests (happy-dom): point the simulated page at the test server, so
 * `location.origin` (useAuth's default base URL) is the server and requests are same-origin for
 * happy-dom's fetch, which keeps cookies like a browser; and count requests per path.
 */
import type { MiddlewareHandler } from "hono";

/** Makes the happy-dom page live at `origin`. */
export function pageAt(origin: string): void {
  (globalThis as unknown as { window: { happyDOM: { setURL(url: string): void } } }).window.happyDOM.setURL(origin);
}

/** Counts requests per method and path (`GET /api/todos`). */
export function requestCounter(): { counts: Map<string, number>; count(key: string): number; middleware: MiddlewareHandler } {
  const counts = new Map<string, number>();
  return {
    counts,
    count: (key) => counts.get(key) ?? 0,
    middleware: async (c, next) => {
      const key = `${c.req.method} ${c.req.path}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      await next();
    },
  };
}

/** Lets pending timers (a deferred release) and microtasks run. */
export const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
