/**
 * API keys (spec 40 §16): helpers only, no routes. A raw key is `[<prefix>_]<id>.<secret>`;
 * the whole raw key is hashed with `hashPassword` and shown once, so a leaked store yields no
 * usable key. Wire `verifyApiKey` into an adapter's `validateApiKey` (clients send `X-API-Key`).
 * @module
 */
import { NotFoundError } from "../errors/problem.js";
import { bytesToBase64url } from "../util/base64url.js";
import type { ApiKeyMetadata, ApiKeyRecord, ApiKeyStore } from "./api-key-stores.js";
import { hashPassword, verifyPassword } from "./password.js";

/** Options of `createApiKey`. */
export interface CreateApiKeyOptions {
  store: ApiKeyStore;
  userId?: string | null;
  label?: string | null;
  scopes?: readonly string[];
  /** Absolute expiry; or give `ttlMs` (not both). Neither: the key never expires. */
  expiresAt?: Date | null;
  ttlMs?: number;
  /** Letters, digits, `_` and `-` (1–32, starting with a letter or digit), e.g. `"sk_live"`. */
  prefix?: string | null;
  /** Random bytes in the secret, 16–64. Default 24. */
  byteLength?: number;
  /** Clock (epoch ms or Date) for `createdAt` and `ttlMs`. */
  now?: Date | number;
}

/** A new key: the raw `key` (shown once, never stored) and its metadata. */
export interface CreatedApiKey {
  key: string;
  metadata: ApiKeyMetadata;
}

/** Why a key did not verify. */
export type ApiKeyFailure = "not_found" | "expired" | "mismatch";

/** The outcome of `verifyApiKey`. */
export type ApiKeyVerification = { valid: true; metadata: ApiKeyMetadata } | { valid: false; reason: ApiKeyFailure };

const PREFIX = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
const ID = /^[0-9a-f]{16}$/;
/** Longer presented keys are refused before any hashing (the longest valid key is ~120 chars). */
const MAX_KEY_LENGTH = 256;

const toMs = (now: Date | number | undefined) => (now === undefined ? Date.now() : typeof now === "number" ? now : now.getTime());
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Metadata without the hash. */
export function apiKeyMetadata(record: ApiKeyRecord): ApiKeyMetadata {
  const { keyHash: _hash, ...metadata } = record;
  return { ...metadata, scopes: [...metadata.scopes] };
}

/**
 * Mints a key and stores its hash; the raw key is returned once.
 * @example const { key, metadata } = await createApiKey({ store, userId: "u1", label: "CI", scopes: ["posts:read"], prefix: "sk" });
 */
export async function createApiKey(options: CreateApiKeyOptions): Promise<CreatedApiKey> {
  const { store, byteLength = 24 } = options;
  const prefix = options.prefix ?? null;
  if (prefix !== null && !PREFIX.test(prefix)) throw new TypeError("createApiKey: prefix must be 1–32 letters, digits, '_' or '-', starting with a letter or digit");
  if (!Number.isInteger(byteLength) || byteLength < 16 || byteLength > 64) throw new RangeError("createApiKey: byteLength must be an integer between 16 and 64");
  if (options.expiresAt != null && options.ttlMs !== undefined) throw new TypeError("createApiKey: give expiresAt or ttlMs, not both");
  if (options.ttlMs !== undefined && !(Number.isFinite(options.ttlMs) && options.ttlMs > 0)) throw new RangeError("createApiKey: ttlMs must be a positive number");
  const scopes = [...(options.scopes ?? [])];
  if (!scopes.every((scope) => typeof scope === "string")) throw new TypeError("createApiKey: scopes must be strings");

  const now = toMs(options.now);
  let id = hex(crypto.getRandomValues(new Uint8Array(8)));
  while (await store.findById(id)) id = hex(crypto.getRandomValues(new Uint8Array(8)));
  const secret = bytesToBase64url(crypto.getRandomValues(new Uint8Array(byteLength)));
  const key = `${prefix === null ? "" : `${prefix}_`}${id}.${secret}`;
  const expiresAt = options.ttlMs !== undefined ? new Date(now + options.ttlMs) : options.expiresAt ? new Date(options.expiresAt) : null;
  const record: ApiKeyRecord = {
    id,
    label: options.label ?? null,
    userId: options.userId ?? null,
    createdAt: new Date(now),
    lastUsedAt: null,
    expiresAt,
    scopes,
    prefix,
    keyHash: await hashPassword(key),
  };
  await store.create(record);
  return { key, metadata: apiKeyMetadata(record) };
}

/** The id inside a raw key (text before the first `.`, minus everything through its last `_`), or null. */
export function parseApiKeyId(key: unknown): string | null {
  if (typeof key !== "string" || key.length > MAX_KEY_LENGTH) return null;
  const dot = key.indexOf(".");
  if (dot < 0) return null;
  const head = key.slice(0, dot);
  const id = head.slice(head.lastIndexOf("_") + 1);
  return ID.test(id) ? id : null;
}

/**
 * Checks a presented key: `not_found` (malformed, unknown or revoked), then `mismatch`, then
 * `expired` — a wrong secret never learns whether the id's key has expired. Success stamps
 * `lastUsedAt` unless `updateLastUsed` is false. One scrypt derivation per call.
 * @example const result = await verifyApiKey(c.req.header("x-api-key"), { store });
 */
export async function verifyApiKey(
  key: unknown,
  options: { store: ApiKeyStore; updateLastUsed?: boolean; now?: Date | number },
): Promise<ApiKeyVerification> {
  const id = parseApiKeyId(key);
  const record = id === null ? null : await options.store.findById(id);
  if (!record) return { valid: false, reason: "not_found" };
  if (!(await verifyPassword(key, record.keyHash))) return { valid: false, reason: "mismatch" };
  const now = toMs(options.now);
  if (record.expiresAt !== null && record.expiresAt.getTime() <= now) return { valid: false, reason: "expired" };
  if (options.updateLastUsed ?? true) {
    record.lastUsedAt = new Date(now);
    await options.store.touch(record.id, record.lastUsedAt);
  }
  return { valid: true, metadata: apiKeyMetadata(record) };
}

/**
 * Every key's metadata, or one user's, oldest first.
 * @example const keys = await listApiKeys({ store, userId: user.id });
 */
export async function listApiKeys(options: { store: ApiKeyStore; userId?: string }): Promise<ApiKeyMetadata[]> {
  return (await options.store.list(options.userId)).map(apiKeyMetadata);
}

/**
 * Deletes a key for good; true when it existed.
 * @example await revokeApiKey(id, { store });
 */
export function revokeApiKey(id: string, options: { store: ApiKeyStore }): Promise<boolean> {
  return options.store.delete(id);
}

/** Options of `rotateApiKey`: the key to replace and anything to change on the new one. */
export type RotateApiKeyOptions = Omit<CreateApiKeyOptions, "store"> & { store: ApiKeyStore; id: string };

/**
 * Replaces a key: mints a new one inheriting label, user, scopes, absolute expiry and prefix
 * (each overridable), then deletes the old one. Throws a 404 `NotFoundError` for an unknown id,
 * also when a concurrent rotation or revocation got there first (the new key is then withdrawn).
 * @example const { key } = await rotateApiKey({ store, id: metadata.id });
 */
export async function rotateApiKey(options: RotateApiKeyOptions): Promise<CreatedApiKey> {
  const { store, id, ...given } = options;
  // An override left `undefined` inherits rather than clearing the field.
  const overrides = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) as Partial<CreateApiKeyOptions>;
  const old = typeof id === "string" && ID.test(id) ? await store.findById(id) : null;
  if (!old) throw new NotFoundError("API key", String(id));
  const inherited: CreateApiKeyOptions = {
    store,
    userId: old.userId,
    label: old.label,
    scopes: old.scopes,
    prefix: old.prefix,
    ...(overrides.ttlMs === undefined ? { expiresAt: old.expiresAt } : {}),
    ...overrides,
  };
  const created = await createApiKey(inherited);
  if (!(await store.delete(id))) {
    await store.delete(created.metadata.id);
    throw new NotFoundError("API key", id);
  }
  return created;
}
