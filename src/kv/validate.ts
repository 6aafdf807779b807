/** Argument checks every KV backend applies identically, so the contract suite sees one behaviour. */
import { KV_LIMITS, KvError } from "../ports/kv-store.js";

const encoder = new TextEncoder();

// `String.prototype.isWellFormed` is ES2024 (Node 20+, workerd); the project's lib is ES2023.
const isWellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

function byteLength(text: string): number {
  // Cheap upper bound first: a string of n code units is at most 3n UTF-8 bytes.
  return text.length * 3 <= KV_LIMITS.maxKeyBytes ? 0 : encoder.encode(text).length;
}

/**
 * Throws for an empty, oversized or malformed key. A lone surrogate has no UTF-8 form: Redis and
 * SQLite would store U+FFFD instead, so the key would not round-trip; it is refused everywhere.
 */
export function checkKey(key: string): void {
  if (typeof key !== "string" || key.length === 0) throw new KvError("INVALID_ARGUMENT", "key must be a non-empty string");
  if (byteLength(key) > KV_LIMITS.maxKeyBytes) throw new KvError("KEY_TOO_LARGE", `key exceeds ${KV_LIMITS.maxKeyBytes} bytes`);
  if (!isWellFormed(key)) throw new KvError("INVALID_ARGUMENT", "key contains a lone surrogate");
}

/** Throws for a non-string, oversized or malformed (lone surrogate) value. */
export function checkValue(value: string): void {
  if (typeof value !== "string") throw new KvError("INVALID_ARGUMENT", "value must be a string");
  if (value.length * 3 > KV_LIMITS.maxValueBytes && encoder.encode(value).length > KV_LIMITS.maxValueBytes) {
    throw new KvError("VALUE_TOO_LARGE", `value exceeds ${KV_LIMITS.maxValueBytes} bytes`);
  }
  if (!isWellFormed(value)) throw new KvError("INVALID_ARGUMENT", "value contains a lone surrogate; encode binary data as base64");
}

/** Throws for a TTL that is not a positive integer of milliseconds within the limit. */
export function checkTtl(ttlMs: number | undefined): void {
  if (ttlMs === undefined) return;
  if (!Number.isInteger(ttlMs) || ttlMs <= 0 || ttlMs > KV_LIMITS.maxTtlMs) {
    throw new KvError("INVALID_TTL", `ttlMs must be an integer between 1 and ${KV_LIMITS.maxTtlMs}`);
  }
}

/** Throws for an increment delta or floor that is not a safe integer. */
export function checkIncrement(delta: number, min: number | undefined): void {
  if (!Number.isSafeInteger(delta)) throw new KvError("INVALID_ARGUMENT", "increment delta must be a safe integer");
  if (min !== undefined && !Number.isSafeInteger(min)) throw new KvError("INVALID_ARGUMENT", "increment min must be a safe integer");
}

/** Validates `list` arguments; returns the page size (default 100, capped at the limit). */
export function checkList(prefix: string, options: { limit?: number; cursor?: string }): number {
  if (typeof prefix !== "string" || !isWellFormed(prefix)) throw new KvError("INVALID_ARGUMENT", "prefix must be a well-formed string");
  if (options.cursor !== undefined && (typeof options.cursor !== "string" || !isWellFormed(options.cursor))) {
    throw new KvError("INVALID_ARGUMENT", "cursor must be a string returned by list");
  }
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1) throw new KvError("INVALID_ARGUMENT", "list limit must be a positive integer");
  return Math.min(limit, KV_LIMITS.maxListLimit);
}

/** Parses a stored counter; a non-integer value is a caller error, not a silent 0. */
export function parseInteger(value: string, key: string): number {
  if (!/^-?\d+$/.test(value)) throw new KvError("NOT_AN_INTEGER", `value of ${key} is not an integer`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new KvError("NOT_AN_INTEGER", `value of ${key} is out of range`);
  return n;
}
