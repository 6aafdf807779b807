/**
 * `sse` options (spec 20 §2, §3, §7, §8, §11): per resource (`config.sse`) over the app's
 * defaults (`createCovara({ realtime: { sse } })`) over the spec's defaults.
 * @module
 */
import type { BackpressurePolicy } from "./sse.js";
import type { TrustedProxies } from "../auth/client-ip.js";

/** Subscription settings. */
export interface SseOptions {
  /** Heartbeat comment interval; default 20000 ms. */
  heartbeatMs?: number;
  /** Outbound queue high-water mark per stream; default 65536 bytes (262144 multiplexed). */
  maxQueueBytes?: number;
  /** What a live event meeting a full queue does; default `"invalidate"`. */
  onBackpressure?: BackpressurePolicy;
  /** Live subscriptions per signed-in user per resource, across every process; default 10. */
  maxSubscriptionsPerUser?: number;
  /** Live anonymous subscriptions per client IP per resource; default 50. */
  maxSubscriptionsPerIP?: number;
  /** Live subscriptions per resource; default 10000. */
  maxTotalSubscriptions?: number;
  /** Subscribe-scope recheck interval; default 30000 ms, 0 disables. */
  scopeRecheckMs?: number;
  /** Coalescing window of aggregate recomputes; default 150 ms. */
  aggregateDebounceMs?: number;
  /** Rows per snapshot page; default 200. */
  snapshotPageSize?: number;
  /**
   * On Node, the reverse proxies whose `X-Forwarded-For` entries are believed for the per-IP
   * limit (addresses, IPv4 CIDRs such as `"10.0.0.0/8"`, or a predicate); the client address is
   * then the right-most entry that is not one of them. Default none: the socket address.
   */
  trustedProxies?: TrustedProxies;
}

/** Every option with its value. */
export type ResolvedSseOptions = Required<SseOptions>;

const DEFAULTS: ResolvedSseOptions = {
  heartbeatMs: 20_000,
  maxQueueBytes: 65_536,
  onBackpressure: "invalidate",
  maxSubscriptionsPerUser: 10,
  maxSubscriptionsPerIP: 50,
  maxTotalSubscriptions: 10_000,
  scopeRecheckMs: 30_000,
  aggregateDebounceMs: 150,
  snapshotPageSize: 200,
  trustedProxies: [],
};

/** Resource options over app options over defaults. */
export function resolveSseOptions(app: SseOptions | undefined, resource: SseOptions | undefined): ResolvedSseOptions {
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const layer of [app, resource]) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) if (value !== undefined) out[key] = value;
  }
  return out as ResolvedSseOptions;
}
