/**
 * Login throttling (spec 40 §13): two fixed-window failure counters per attempt,
 * `login:id:<lowercased email>` and `login:ip:<client ip>`, in KV so every process/isolate
 * sharing the store sees them. A window opens at the first failure; after `maxAttempts`
 * failures on either key, logins get 429 with `Retry-After` = the window's remaining seconds
 * ([dev]: Covara's header always read 1). A success resets both keys.
 * @module
 */
import type { Context } from "hono";
import { RateLimitError } from "../errors/problem.js";
import type { KvStore } from "../ports/kv-store.js";
import { resolveClientIp, type TrustedProxies } from "./client-ip.js";

/** The part of the KV port the auth router uses. */
export type AuthKv = Pick<KvStore, "get" | "set" | "delete" | "compareAndSet">;

/** `throttle` options of `useAuth`. */
export interface ThrottleOptions {
  /** Failures allowed per window, per email and per IP. Default 5. */
  maxAttempts?: number;
  /** Window length in milliseconds, counted from the first failure. Default 900000 (15 min). */
  windowMs?: number;
  /** Where counters live; default the request's/global KV, else the router's memory store. */
  store?: AuthKv;
  /** Overrides `useAuth({ trustedProxies })` for the IP key. */
  trustedProxies?: TrustedProxies;
}

export interface Window {
  count: number;
  resetAt: number;
}

/** The message of the 429. */
export const THROTTLE_MESSAGE = "Too many login attempts, please try again later";

/** A login throttle bound to its options; `kv(c)` picks the store when `store` is not set. */
export interface LoginThrottle {
  /**
   * Counts this attempt on both keys before any credential is checked, and throws 429 once either
   * key is past `maxAttempts`: requests sent in parallel cannot all pass a check that only
   * failures would have updated.
   */
  check(c: Context, email: string): Promise<void>;
  /** Records one failure on both keys, unless `check` already counted this request. */
  fail(c: Context, email: string): Promise<void>;
  /** Gives back the attempt `check` counted, for an outcome that is not a failure (an MFA challenge). */
  release(c: Context, email: string): Promise<void>;
  /** Clears both keys (successful login). */
  reset(c: Context, email: string): Promise<void>;
}

const parse = (raw: string | null): Window | null => {
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw) as Window;
    return Number.isFinite(value.count) && Number.isFinite(value.resetAt) ? value : null;
  } catch {
    return null;
  }
};

/**
 * Adds `delta` attempts to the fixed window stored at `key`, with a compare-and-set loop (the port
 * has no atomic JSON update), and returns the new window; `null` when contention outlasted the
 * retries (callers treat that as locked: fail closed) or when there is nothing to give back.
 */
export async function bumpWindow(store: AuthKv, key: string, delta: 1 | -1, windowMs: number, now: () => number = Date.now): Promise<Window | null> {
  for (let attempt = 0; attempt < 16; attempt++) {
    const raw = await store.get(key);
    const at = now();
    const current = parse(raw);
    const live = current && current.resetAt > at ? current : null;
    if (!live && delta < 0) return null;
    const next: Window = live ? { count: Math.max(0, live.count + delta), resetAt: live.resetAt } : { count: 1, resetAt: at + windowMs };
    if (await store.compareAndSet(key, raw, JSON.stringify(next), { ttlMs: Math.max(1, next.resetAt - at) })) return next;
  }
  return null;
}

/**
 * The per-account key: compatibility-folded (NFKC, so fullwidth `ａｄａ@…` is `ada@…`), trimmed and
 * lower-cased, so spelling variants of one address share one counter.
 */
export function accountKey(email: string): string {
  return email.normalize("NFKC").trim().toLowerCase();
}

/**
 * The per-address key: an IPv4 address as is, an IPv6 address by its /64 network, since one
 * subscriber usually holds a whole /64 and could otherwise rotate through 2^64 buckets.
 */
export function addressBucket(ip: string): string {
  if (!ip.includes(":")) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const [head = "", tail] = ip.toLowerCase().split("::", 2);
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/** Builds the throttle. `kv(c)` supplies the store per request; `now` is the clock. */
export function createLoginThrottle(
  options: ThrottleOptions,
  kv: (c: Context) => AuthKv,
  trustedProxies: TrustedProxies | undefined,
  now: () => number = Date.now,
): LoginThrottle {
  const maxAttempts = options.maxAttempts ?? 5;
  const windowMs = options.windowMs ?? 900_000;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new TypeError("throttle.maxAttempts must be a positive integer");
  if (!Number.isInteger(windowMs) || windowMs < 1000) throw new TypeError("throttle.windowMs must be an integer of at least 1000 ms");
  const proxies = options.trustedProxies ?? trustedProxies;
  const storeOf = (c: Context) => options.store ?? kv(c);
  const keys = (c: Context, email: string) => [`login:id:${accountKey(email)}`, `login:ip:${addressBucket(resolveClientIp(c, { trustedProxies: proxies }))}`];

  const bump = (store: AuthKv, key: string, delta: 1 | -1) => bumpWindow(store, key, delta, windowMs, now);
  // Requests whose attempt `check` already counted, so a failure is not counted twice.
  const counted = new WeakSet<Context>();

  return {
    async check(c, email) {
      const store = storeOf(c);
      counted.add(c);
      let retryAfterMs = 0;
      for (const key of keys(c, email)) {
        const window = await bump(store, key, 1);
        if (!window) retryAfterMs = Math.max(retryAfterMs, 1000);
        else if (window.count > maxAttempts) retryAfterMs = Math.max(retryAfterMs, window.resetAt - now());
      }
      if (retryAfterMs > 0) throw new RateLimitError(retryAfterMs / 1000, {}, THROTTLE_MESSAGE);
    },
    async fail(c, email) {
      if (counted.has(c)) return;
      const store = storeOf(c);
      for (const key of keys(c, email)) await bump(store, key, 1);
    },
    async release(c, email) {
      if (!counted.delete(c)) return;
      const store = storeOf(c);
      for (const key of keys(c, email)) await bump(store, key, -1);
    },
    async reset(c, email) {
      const store = storeOf(c);
      await Promise.all(keys(c, email).map((key) => store.delete(key)));
    },
  };
}
