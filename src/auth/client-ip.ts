/**
 * The client address the login throttle keys on (spec 40 §13 [dev]). Covara trusted
 * `CF-Connecting-IP`, `X-Forwarded-For` and `X-Real-IP` everywhere, so on Node any client could
 * rotate its bucket with a header. Here: on Workers `CF-Connecting-IP` (set by Cloudflare's edge,
 * not forgeable there); on Node the socket address, unless `trustedProxies` is configured — then
 * the right-most `X-Forwarded-For` entry that is not a trusted proxy.
 *
 * The rate-limit middleware's `getClientIP` keeps Covara's header order for compatibility; the
 * socket lookup (`defaultSocketAddress`) is shared with it.
 * @module
 */
import type { Context } from "hono";
import { defaultSocketAddress, type SocketAddressFn } from "../middleware/rate-limit/client-ip.js";

/** Proxies whose `X-Forwarded-For` entries are believed: exact addresses or IPv4 CIDR ranges, or a predicate. */
export type TrustedProxies = readonly string[] | ((address: string) => boolean);

/** Options of `resolveClientIp`. */
export interface ClientIpOptions {
  trustedProxies?: TrustedProxies;
  /** The socket address; default reads `@hono/node-server`'s `c.env.incoming.socket`. */
  socketAddress?: SocketAddressFn;
}

const onWorkers = () => (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === "Cloudflare-Workers";

const PLAUSIBLE = /^[0-9A-Fa-f.:%]{2,64}$/;

/** Lower-cased, IPv4-mapped IPv6 unwrapped; undefined for anything that is not an address. */
function normalize(value: string | undefined | null): string | undefined {
  let address = value?.trim().toLowerCase();
  if (!address) return undefined;
  if (address.startsWith("[") && address.includes("]")) address = address.slice(1, address.indexOf("]"));
  if (address.startsWith("::ffff:") && address.includes(".")) address = address.slice(7);
  return PLAUSIBLE.test(address) ? address : undefined;
}

function ipv4ToInt(address: string): number | undefined {
  const parts = address.split(".");
  if (parts.length !== 4) return undefined;
  let out = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    out = out * 256 + Number(part);
  }
  return out;
}

/** A predicate from a trusted-proxy list (exact addresses, IPv4 CIDRs such as `10.0.0.0/8`). */
export function trustedProxyMatcher(trusted: TrustedProxies): (address: string) => boolean {
  if (typeof trusted === "function") return trusted;
  const exact = new Set<string>();
  const ranges: { base: number; mask: number }[] = [];
  for (const entry of trusted) {
    const [host = "", bits] = entry.split("/");
    const base = ipv4ToInt(host);
    if (bits !== undefined && base !== undefined && /^\d{1,2}$/.test(bits) && Number(bits) <= 32) {
      const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
      ranges.push({ base: (base & mask) >>> 0, mask });
    } else {
      const normalized = normalize(entry);
      if (normalized) exact.add(normalized);
    }
  }
  return (address) => {
    if (exact.has(address)) return true;
    const value = ipv4ToInt(address);
    return value !== undefined && ranges.some((range) => ((value & range.mask) >>> 0) === range.base);
  };
}

/**
 * The client IP for throttling, or `"unknown"` when the runtime vouches for none.
 * @example const ip = resolveClientIp(c, { trustedProxies: ["10.0.0.0/8"] });
 */
export function resolveClientIp(c: Context, options: ClientIpOptions = {}): string {
  if (onWorkers()) return normalize(c.req.header("cf-connecting-ip")) ?? "unknown";
  const socket = normalize((options.socketAddress ?? defaultSocketAddress)(c));
  if (!options.trustedProxies) return socket ?? "unknown";
  const trusted = trustedProxyMatcher(options.trustedProxies);
  // The chain as the last hop saw it: forwarded entries, then the peer that connected to us.
  const chain = (c.req.header("x-forwarded-for") ?? "").split(",").map(normalize);
  if (socket) chain.push(socket);
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = chain[i];
    if (hop === undefined) return "unknown"; // a garbage hop: nothing left of it can be believed
    if (!trusted(hop)) return hop;
  }
  return chain[0] ?? "unknown";
}
