/**
 * One-time token storage (spec 40 §14) for email verification, password reset and magic links:
 * a memory store and a KV store over any backend. `consume` is an atomic get-and-delete, so of
 * several concurrent redemptions of one token exactly one gets the record.
 * @module
 */
import { KV_LIMITS, type KvStore } from "../ports/kv-store.js";
import { bytesToBase64url } from "../util/base64url.js";
import { sha256Hex } from "../util/sha256.js";
import { getGlobalKV, hasGlobalKV } from "../middleware/kv-context.js";
import type { VerificationToken, VerificationTokenStore } from "./types.js";

/** Longest identifier or token a store accepts (keeps KV keys under their 1 KiB limit). */
export const MAX_TOKEN_PART_LENGTH = 320;

/** A fresh token: base64url of 32 random bytes (43 characters). */
export function generateToken(): string {
  return bytesToBase64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** SHA-256 of a token as 64 lowercase hex characters: what stores keep when tokens are hashed. */
export function hashToken(token: string): Promise<string> {
  return sha256Hex(token);
}

const usable = (part: unknown): part is string => typeof part === "string" && part.length > 0 && part.length <= MAX_TOKEN_PART_LENGTH;

function checkRecord(record: VerificationToken): void {
  if (!usable(record.identifier)) throw new TypeError(`identifier must be a string of 1 to ${MAX_TOKEN_PART_LENGTH} characters`);
  if (!usable(record.token)) throw new TypeError(`token must be a string of 1 to ${MAX_TOKEN_PART_LENGTH} characters`);
  if (!(record.expires instanceof Date) || Number.isNaN(record.expires.getTime())) throw new TypeError("expires must be a valid Date");
}

// Expired records are kept this long past `expires`, so a late redemption finds (and consumes)
// the record and the caller can answer "expired" rather than "unknown"; the KV then drops it.
const EXPIRED_GRACE_MS = 60 * 60 * 1000;

/**
 * Per-process token store (lost on restart; not shared between isolates). Holds at most
 * `maxIdentifiers` identifiers (default 10,000), dropping the least recently issued first:
 * `/verify/request` accepts any address from anyone, so an unbounded map is a memory DoS.
 */
export class InMemoryVerificationTokenStore implements VerificationTokenStore {
  private readonly byIdentifier = new Map<string, Map<string, VerificationToken>>();
  private creates = 0;

  constructor(private readonly maxIdentifiers = 10_000) {}

  /** Stores a token; earlier tokens of the identifier stay (flows delete them first). */
  async create(record: VerificationToken): Promise<void> {
    checkRecord(record);
    // Tokens requested for many addresses and never redeemed would pile up: every 100 creates,
    // drop those past expiry plus the grace the KV store keeps them for.
    if (++this.creates % 100 === 0) this.sweep(Date.now() - EXPIRED_GRACE_MS);
    const tokens = this.byIdentifier.get(record.identifier) ?? new Map<string, VerificationToken>();
    // Re-inserted last, so map order is issue order and the first entry is the oldest.
    this.byIdentifier.delete(record.identifier);
    this.byIdentifier.set(record.identifier, tokens);
    tokens.set(record.token, { identifier: record.identifier, token: record.token, expires: new Date(record.expires) });
    if (this.byIdentifier.size > this.maxIdentifiers) this.byIdentifier.delete(this.byIdentifier.keys().next().value!);
  }

  /** The record, deleted in the same synchronous step; null when unknown. */
  async consume(identifier: string, token: string): Promise<VerificationToken | null> {
    if (!usable(identifier) || !usable(token)) return null;
    const tokens = this.byIdentifier.get(identifier);
    const record = tokens?.get(token);
    if (!tokens || !record) return null;
    tokens.delete(token);
    if (tokens.size === 0) this.byIdentifier.delete(identifier);
    return record;
  }

  /** Drops every token of the identifier. */
  async deleteByIdentifier(identifier: string): Promise<void> {
    this.byIdentifier.delete(identifier);
  }

  private sweep(before: number): void {
    for (const [identifier, tokens] of this.byIdentifier) {
      for (const [token, record] of tokens) if (record.expires.getTime() <= before) tokens.delete(token);
      if (tokens.size === 0) this.byIdentifier.delete(identifier);
    }
  }
}

interface StoredToken {
  identifier: string;
  token: string;
  expires: string;
}

/**
 * A token store on any KV backend: one key per token, `<prefix>:<identifier>:<token>` with both
 * parts URI-encoded (so an identifier containing `:` cannot reach another's tokens), each with
 * a TTL of its expiry plus an hour.
 * @example const store = createKVVerificationTokenStore(kv); // kv: memory, Redis or Durable Object
 */
export function createKVVerificationTokenStore(kv: KvStore, prefix = "verif"): VerificationTokenStore {
  const identifierPrefix = (identifier: string) => `${prefix}:${encodeURIComponent(identifier)}:`;
  const keyOf = (identifier: string, token: string) => identifierPrefix(identifier) + encodeURIComponent(token);

  return {
    async create(record) {
      checkRecord(record);
      const value: StoredToken = { identifier: record.identifier, token: record.token, expires: record.expires.toISOString() };
      const ttlMs = Math.min(Math.max(record.expires.getTime() - Date.now(), 0) + EXPIRED_GRACE_MS, KV_LIMITS.maxTtlMs);
      await kv.set(keyOf(record.identifier, record.token), JSON.stringify(value), { ttlMs });
    },

    async consume(identifier, token) {
      if (!usable(identifier) || !usable(token)) return null;
      const key = keyOf(identifier, token);
      const raw = await kv.get(key);
      // Only the caller whose compare-and-delete wins gets the record: concurrent redemptions
      // all read it, but exactly one of them deletes it.
      if (raw === null || !(await kv.compareAndSet(key, raw, null))) return null;
      const stored = JSON.parse(raw) as StoredToken;
      return { identifier: stored.identifier, token: stored.token, expires: new Date(stored.expires) };
    },

    async deleteByIdentifier(identifier) {
      if (!usable(identifier)) return;
      const start = identifierPrefix(identifier);
      let cursor: string | undefined;
      do {
        const page = await kv.list(start, { limit: 1000, ...(cursor ? { cursor } : {}) });
        await Promise.all(page.keys.map((key) => kv.delete(key)));
        cursor = page.cursor ?? undefined;
      } while (cursor);
    },
  };
}

/** Options shared by `issueVerificationToken` and `redeemVerificationToken`. */
export interface TokenFlowOptions {
  /** Store SHA-256 hex instead of the token. Default true. */
  hashTokens?: boolean;
}

/**
 * Issues a token for a flow: deletes earlier tokens of the identifier, stores the new one (hashed
 * by default) and returns the plaintext to send.
 * @example const { token } = await issueVerificationToken(store, `reset:${email}`, { ttlMs: 3_600_000 });
 */
export async function issueVerificationToken(
  store: VerificationTokenStore,
  identifier: string,
  options: TokenFlowOptions & { ttlMs: number; now?: number },
): Promise<{ token: string; expiresAt: Date }> {
  const token = generateToken();
  const expiresAt = new Date((options.now ?? Date.now()) + options.ttlMs);
  await store.deleteByIdentifier(identifier);
  await store.create({ identifier, token: (options.hashTokens ?? true) ? await hashToken(token) : token, expires: expiresAt });
  return { token, expiresAt };
}

/** Why a redemption failed. */
export type RedeemFailure = "invalid" | "expired";

/**
 * Redeems a token once: consumes it (expired or not, so each token gets one attempt), then checks
 * expiry. A non-string or oversized token is `invalid` without touching the store.
 * @example const result = await redeemVerificationToken(store, `verify:${email}`, body.token);
 */
export async function redeemVerificationToken(
  store: VerificationTokenStore,
  identifier: string,
  token: unknown,
  options: TokenFlowOptions & { now?: number } = {},
): Promise<{ ok: true; record: VerificationToken } | { ok: false; reason: RedeemFailure }> {
  if (!usable(token) || !usable(identifier)) return { ok: false, reason: "invalid" };
  const stored = (options.hashTokens ?? true) ? await hashToken(token) : token;
  const record = await store.consume(identifier, stored);
  if (!record) return { ok: false, reason: "invalid" };
  if (record.expires.getTime() <= (options.now ?? Date.now())) return { ok: false, reason: "expired" };
  return { ok: true, record };
}

/**
 * The store a flow uses when none is configured: the global KV when one is registered (shared by
 * every isolate/process), else a per-process memory store.
 */
export function defaultVerificationTokenStore(): VerificationTokenStore {
  return hasGlobalKV() ? createKVVerificationTokenStore(getGlobalKV()) : new InMemoryVerificationTokenStore();
}
