/**
 * What the idempotency middleware keeps per key: a `pending` lock while the first request runs,
 * then the `done` response. Also the request fingerprint and the per-caller cache key.
 * @module
 */
import { readLimited } from "../../util/read-limited.js";
import type { Context } from "hono";
import { PayloadTooLargeError, ResourceError, ValidationError } from "../../errors/problem.js";
import { sha256Hex } from "../../util/sha256.js";

/** Longest accepted idempotency key (as Stripe). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** Prefix of every idempotency key in the store. */
export const IDEMPOTENCY_PREFIX = "covara:idempotency:";

/** A request with this key is running. `lock` makes this holder's value unique, for compare-and-set. */
export interface PendingRecord {
  v: 1;
  state: "pending";
  fp: string;
  lock: string;
}

/** The stored response of a completed request. */
export interface DoneRecord {
  v: 1;
  state: "done";
  fp: string;
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** Response headers kept with a stored response and replayed. */
export const REPLAYED_HEADERS = ["content-type", "location", "etag", "content-language"];

/** Parses a stored value; null for anything that is not a record of ours. */
export function parseRecord(raw: string): PendingRecord | DoneRecord | null {
  try {
    const value = JSON.parse(raw) as PendingRecord | DoneRecord;
    if (value?.v !== 1 || typeof value.fp !== "string") return null;
    if (value.state === "pending" && typeof value.lock === "string") return value;
    if (value.state === "done" && Number.isInteger(value.status) && typeof value.body === "string") return value;
    return null;
  } catch {
    return null;
  }
}

/** 409: a request with the same key and fingerprint is still running after the bounded wait. */
export class IdempotencyInProgressError extends ResourceError {
  constructor() {
    super(409, "CONFLICT", "A request with this idempotency key is still being processed", { reason: "in_progress" }, { headers: { "Retry-After": "1" } });
  }
}

/** 503 `idempotency-store-unavailable` (with `onStoreError: "fail"`). */
export class IdempotencyStoreUnavailableError extends ResourceError {
  constructor(cause?: unknown) {
    super(503, "IDEMPOTENCY_STORE_UNAVAILABLE", "The idempotency store is unavailable; retry later", {}, { cause, headers: { "Retry-After": "1" } });
  }
}

/** The key from the header, or a 400 `validation-error` when it is empty, too long or not printable ASCII. */
export function validateKey(raw: string, headerName: string): string {
  const key = raw.trim();
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x20-\x7e]+$/.test(key)) {
    throw new ValidationError(`${headerName} must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters`, [
      { field: headerName, message: "invalid idempotency key" },
    ]);
  }
  return key;
}

/** Reads a copy of the request body (the handler still reads the original), up to `limit` bytes. */
export async function readBodyCopy(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body || request.bodyUsed) return new Uint8Array();
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw new PayloadTooLargeError(limit);
  return readLimited(request.clone().body!, limit);
}

/** SHA-256 of method, path with query, and body: what makes two requests "the same request". */
export async function fingerprint(method: string, url: string, body: Uint8Array): Promise<string> {
  const { pathname, search } = new URL(url);
  const head = new TextEncoder().encode(`${method}\n${pathname}${search}\n`);
  const bytes = new Uint8Array(head.byteLength + body.byteLength);
  bytes.set(head, 0);
  bytes.set(body, head.byteLength);
  return sha256Hex(bytes);
}

/**
 * `covara:idempotency:<caller>:<key>`: the caller is the signed-in user, else (auth middleware
 * missing or mounted after this one) a hash of the Authorization header, else `anonymous`, so one
 * caller's stored response is never replayed to another.
 */
export async function cacheKey(c: Context, key: string): Promise<string> {
  const user = c.get("user" as never) as { id?: unknown } | null | undefined;
  let caller: string;
  if (user && user.id !== undefined && user.id !== null) {
    // Encoding removes ':' from the id, so `<caller>:<key>` cannot be split two ways.
    const id = encodeURIComponent(String(user.id));
    caller = id.length > 128 ? `user#${await sha256Hex(String(user.id))}` : `user:${id}`;
  } else {
    const authorization = c.req.header("authorization");
    caller = authorization ? `auth#${(await sha256Hex(authorization)).slice(0, 32)}` : "anonymous";
  }
  return `${IDEMPOTENCY_PREFIX}${caller}:${key}`;
}
