/**
 * The KV port: the small, domain-shaped key-value store that sessions, rate limits,
 * idempotency, OIDC stores and the credits ledger need. Not a Redis clone (DESIGN.md "Ports"):
 * a method exists only because a feature needs it. Backends: memory (node-shim/memory),
 * Redis (node-shim/redis) and the `CovaraKVDurableObject` (durable-objects/).
 * @module
 */

/** Options of `set`. */
export interface KvSetOptions {
  /** Time to live in milliseconds; omitted means no expiry (and clears an earlier TTL). */
  ttlMs?: number;
  /** Write only when the key is absent (or expired); `set` then answers whether it wrote. */
  ifAbsent?: boolean;
}

/** Options of `increment`. */
export interface KvIncrementOptions {
  /** TTL given to the key when this call creates it; an existing TTL is kept. */
  ttlMs?: number;
  /** Refuse (return null, change nothing) when the result would fall below this floor. */
  min?: number;
}

/** One page of keys under a prefix. */
export interface KvListPage {
  keys: string[];
  /** Pass back to get the next page; null when there is none. */
  cursor: string | null;
}

/** A fixed-window counter reading: the count after this hit and when the window ends (epoch ms). */
export interface KvWindowHit {
  count: number;
  resetAt: number;
}

/**
 * The KV port. Keys and values are strings (binary data travels base64-encoded); every method
 * is atomic on its own, across processes (Redis) and isolates (Durable Object). An expired key
 * is invisible to every read from the instant it expires.
 */
export interface KvStore {
  /** The value, or null when absent or expired. */
  get(key: string): Promise<string | null>;
  /** Stores a value; false only when `ifAbsent` is set and the key exists. */
  set(key: string, value: string, options?: KvSetOptions): Promise<boolean>;
  /** Removes a key; true when it existed. */
  delete(key: string): Promise<boolean>;
  /**
   * Adds `delta` (default 1) to an integer value, a missing key counting as 0; returns the new
   * value, or null when `min` would be crossed (nothing changed).
   */
  increment(key: string, delta?: number, options?: KvIncrementOptions): Promise<number | null>;
  /**
   * Replaces the value only if it currently equals `expected` (null: the key is absent).
   * A `next` of null deletes. Exactly one of several concurrent callers with the same
   * `expected` wins.
   */
  compareAndSet(key: string, expected: string | null, next: string | null, options?: { ttlMs?: number }): Promise<boolean>;
  /** Live keys starting with `prefix`, in lexicographic order, a page at a time. */
  list(prefix: string, options?: { limit?: number; cursor?: string }): Promise<KvListPage>;
  /** Counts one hit in the fixed window of `windowMs` that `key` is in (opened by its first hit). */
  hit(key: string, windowMs: number): Promise<KvWindowHit>;
  /** Releases connections (Redis); a no-op elsewhere. */
  close(): Promise<void>;
}

/** Why a KV operation failed. */
export type KvErrorCode = "KEY_TOO_LARGE" | "VALUE_TOO_LARGE" | "INVALID_TTL" | "INVALID_ARGUMENT" | "NOT_AN_INTEGER" | "UNAVAILABLE";

/** Port error: thrown by every backend for bad arguments and an unreachable store. */
export class KvError extends Error {
  readonly code: KvErrorCode;
  constructor(code: KvErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KvError";
    this.code = code;
  }
}

/** Limits every backend enforces identically. */
export const KV_LIMITS = {
  /** UTF-8 bytes of a key. */
  maxKeyBytes: 1024,
  /** UTF-8 bytes of a value (Durable Object storage takes 2 MB per value; Redis far more). */
  maxValueBytes: 1024 * 1024,
  /** Longest TTL: 366 days. */
  maxTtlMs: 366 * 24 * 3600 * 1000,
  /** Largest list page. */
  maxListLimit: 1000,
} as const;
