/**
 * Where refresh-token records live when `jwtSession` rotates them (spec 40 §6.2): one record per
 * live refresh token, keyed by its `jti`, with a per-user index for "log out everywhere".
 * Redeeming is an atomic get-and-delete, so a refresh token works exactly once.
 * @module
 */
import type { KvStore } from "../../ports/kv-store.js";
import { getGlobalKV, hasGlobalKV } from "../../middleware/kv-context.js";

/** One live refresh token. */
export interface RefreshTokenRecord {
  /** The refresh token's `jti`. */
  id: string;
  userId: string;
  /** The login this token descends from (`sid` claim); constant across rotations. */
  familyId: string;
  /** `jti` of the access token minted alongside (the request user's `sessionId`). */
  accessJti: string;
  expiresAt: Date;
}

/** Refresh-token storage; `consume` is an atomic get-and-delete. */
export interface RefreshTokenStore {
  save(record: RefreshTokenRecord): Promise<void>;
  /** The record, deleted in the same step; `null` when unknown, already used or revoked. */
  consume(id: string): Promise<RefreshTokenRecord | null>;
  /** Live records of one user. */
  listByUser(userId: string): Promise<RefreshTokenRecord[]>;
  /** Revokes one token; true when it was live. */
  delete(id: string): Promise<boolean>;
}

/** Revokes every live token of a user except those whose id, family or access `jti` is `except`; returns how many. */
export async function revokeUserTokens(store: RefreshTokenStore, userId: string, except?: string): Promise<number> {
  let count = 0;
  for (const record of await store.listByUser(userId)) {
    if (except !== undefined && (record.id === except || record.familyId === except || record.accessJti === except)) continue;
    if (await store.delete(record.id)) count++;
  }
  return count;
}

/** Refresh tokens in a Map: one process or isolate, lost on restart. */
export class InMemoryRefreshTokenStore implements RefreshTokenStore {
  private readonly records = new Map<string, RefreshTokenRecord>();

  private live(id: string): RefreshTokenRecord | undefined {
    const record = this.records.get(id);
    if (record && record.expiresAt.getTime() <= Date.now()) {
      this.records.delete(id);
      return undefined;
    }
    return record;
  }

  /** Stores a record until its expiry. */
  async save(record: RefreshTokenRecord): Promise<void> {
    this.records.set(record.id, { ...record });
  }

  /** Synchronous get-and-delete: atomic within the isolate. */
  async consume(id: string): Promise<RefreshTokenRecord | null> {
    const record = this.live(id);
    if (!record) return null;
    this.records.delete(id);
    return record;
  }

  /** Live records of one user (a scan: the memory store is for development and tests). */
  async listByUser(userId: string): Promise<RefreshTokenRecord[]> {
    return [...this.records.keys()].map((id) => this.live(id)).filter((r): r is RefreshTokenRecord => r?.userId === userId);
  }

  /** Revokes one token. */
  async delete(id: string): Promise<boolean> {
    const existed = this.live(id) !== undefined;
    this.records.delete(id);
    return existed;
  }
}

/** Options of `createKVRefreshStore`. */
export interface KVRefreshStoreOptions {
  /** Key prefix; default `"refresh"`. */
  prefix?: string;
}

interface StoredRecord {
  userId: string;
  familyId: string;
  accessJti: string;
  expiresAt: number;
}

/**
 * A refresh store on any KV backend (memory, Redis, the Durable Object). Without `kv` it uses the
 * global KV when one is registered at first use, else an in-memory store.
 * @example jwtSession({ getUserById, secret, refreshStore: createKVRefreshStore(kv) })
 */
export function createKVRefreshStore(kv?: KvStore, options: KVRefreshStoreOptions = {}): RefreshTokenStore {
  let resolved: RefreshTokenStore | undefined;
  const backend = (): RefreshTokenStore => {
    resolved ??= kv ? kvRefreshStore(kv, options.prefix ?? "refresh") : hasGlobalKV() ? kvRefreshStore(getGlobalKV(), options.prefix ?? "refresh") : new InMemoryRefreshTokenStore();
    return resolved;
  };
  return {
    save: (record) => backend().save(record),
    consume: (id) => backend().consume(id),
    listByUser: (userId) => backend().listByUser(userId),
    delete: (id) => backend().delete(id),
  };
}

function kvRefreshStore(kv: KvStore, prefix: string): RefreshTokenStore {
  const tokenKey = (id: string) => `${prefix}:t:${id}`;
  // The user id is app data: encode it so a ':' in it cannot make one user's prefix cover another's.
  const userPrefix = (userId: string) => `${prefix}:u:${encodeURIComponent(userId)}:`;
  const decode = (id: string, value: string): RefreshTokenRecord | null => {
    try {
      const stored = JSON.parse(value) as StoredRecord;
      return { id, userId: stored.userId, familyId: stored.familyId, accessJti: stored.accessJti, expiresAt: new Date(stored.expiresAt) };
    } catch {
      return null;
    }
  };

  return {
    async save(record) {
      const ttlMs = Math.max(1, record.expiresAt.getTime() - Date.now());
      const stored: StoredRecord = { userId: record.userId, familyId: record.familyId, accessJti: record.accessJti, expiresAt: record.expiresAt.getTime() };
      await kv.set(tokenKey(record.id), JSON.stringify(stored), { ttlMs });
      await kv.set(userPrefix(record.userId) + record.id, "", { ttlMs });
    },
    async consume(id) {
      const value = await kv.get(tokenKey(id));
      if (value === null) return null;
      // Only the caller whose compare-and-delete succeeds redeems the token; a concurrent twin loses.
      if (!(await kv.compareAndSet(tokenKey(id), value, null))) return null;
      const record = decode(id, value);
      if (record) await kv.delete(userPrefix(record.userId) + id);
      return record;
    },
    async listByUser(userId) {
      const records: RefreshTokenRecord[] = [];
      const indexPrefix = userPrefix(userId);
      let cursor: string | undefined;
      do {
        const page = await kv.list(indexPrefix, { limit: 1000, ...(cursor ? { cursor } : {}) });
        for (const key of page.keys) {
          const id = key.slice(indexPrefix.length);
          const value = await kv.get(tokenKey(id));
          const record = value === null ? null : decode(id, value);
          if (record) records.push(record);
          else await kv.delete(key); // a used or expired token's stale index entry
        }
        cursor = page.cursor ?? undefined;
      } while (cursor);
      return records;
    },
    async delete(id) {
      const value = await kv.get(tokenKey(id));
      const existed = await kv.delete(tokenKey(id));
      const record = value === null ? null : decode(id, value);
      if (record) await kv.delete(userPrefix(record.userId) + id);
      return existed;
    },
  };
}
