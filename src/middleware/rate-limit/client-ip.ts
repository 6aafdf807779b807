/**
 * `getClientIP(c)`: the address a rate limit is keyed on when there is no user. The forwarding
 * headers are only as trustworthy as the proxy in front of the app (see docs/rate-limiting.md);
 * a value that is not a plausible address is skipped so junk cannot mint unbounded keys.
 * @module
 */
import type { Context } from "hono";

/** Returns the socket's remote address, or undefined where the runtime has none. */
export type SocketAddressFn = (c: Context) => string | undefined;

// IPv4, IPv6 (with an optional zone id) and the `host:port` form some proxies append; 64 chars max.
const PLAUSIBLE_ADDRESS = /^[0-9A-Za-z.:%_[\]-]{1,64}$/;

function plausible(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed && PLAUSIBLE_ADDRESS.test(trimmed) ? trimmed : undefined;
}

/**
 * The default socket lookup: `@hono/node-server` exposes Node's `IncomingMessage` as
 * `c.env.incoming`, read here by duck typing so `src/` imports nothing from Node. On Workers
 * `cf-connecting-ip` is always present, so there is no socket fallback to read.
 */
export const defaultSocketAddress: SocketAddressFn = (c) => {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: unknown } } } | undefined;
  const address = env?.incoming?.socket?.remoteAddress;
  return typeof address === "string" ? address : undefined;
};

/**
 * The client address: `cf-connecting-ip`, else the first `x-forwarded-for` entry, else
 * `x-real-ip`, else the socket address (`socketAddress`, by default Node's), else `"unknown"`.
 * @example const ip = getClientIP(c, (c) => getConnInfo(c).remote.address);
 */
export function getClientIP(c: Context, socketAddress: SocketAddressFn = defaultSocketAddress): string {
  return (
    plausible(c.req.header("cf-connecting-ip")) ??
    plausible(c.req.header("x-forwarded-for")?.split(",")[0]) ??
    plausible(c.req.header("x-real-ip")) ??
    plausible(socketAddress(c)) ??
    "unknown"
  );
}
