/**
 * What issuance records about the client (spec 40 §6.3): IP address and user agent. Only sources
 * a client cannot forge are used — `CF-Connecting-IP` on Workers, the socket on Node — never
 * `X-Forwarded-For` (an app behind a trusted proxy passes `meta.ipAddress` itself).
 * @module
 */
import type { Context } from "hono";

/** Longest user agent kept in session data: headers can be many kilobytes, the session should not be. */
const MAX_USER_AGENT = 512;

const onWorkers = () => (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === "Cloudflare-Workers";

/** The client IP as far as the runtime vouches for it, or null. */
export function clientAddress(c: Context): string | null {
  if (onWorkers()) return c.req.header("cf-connecting-ip") ?? null;
  // @hono/node-server exposes the IncomingMessage as env.incoming.
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? null;
}

/** `{ ipAddress, userAgent }` for a new session's data. */
export function requestMeta(c: Context): { ipAddress: string | null; userAgent: string | null } {
  const userAgent = c.req.header("user-agent");
  return { ipAddress: clientAddress(c), userAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null };
}
