/**
 * Where API keys live (spec 40 §16): a memory store and a KV store over any backend. Records
 * hold the scrypt hash of the raw key, never the key itself.
 * @module
 */
import type { KvStore } from "../ports/kv-store.js";
import { getGlobalKV, hasGlobalKV } from "../middleware/kv-context.js";

/** What callers see of a key: everything but its hash. */
export interface ApiKeyMetadata {
  /** 16 hex characters, the part of the raw key before the `.` (after any `<prefix>_`). */
  id: string;
  label: string | null;
  userId: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  scopes: string[];
  /** The raw key's `<prefix>_` part (without `_`), kept so rotation mints the same kind of key. */
  prefix: string | null;
}

/** A stored key: its metadata and `hashPassword(rawKey)`. */
export interface ApiKeyRecord extends ApiKeyMetadata {
  keyHash: string;
}

/** The port API-key helpers use; implement it over your own table if you like. */
export interface ApiKeyStore {
  create(record: ApiKeyRecord): Promise<void>;
  findById(id: string): Promise<ApiKeyRecord | null>;
  /** Every key, or one user's, oldest first. */
  list(userId?: string): Promise<ApiKeyRecord[]>;
  /** Removes a key; true when it existed (of concurrent deletes, one sees true). */
  delete(id: string): Promise<boolean>;
  /** Sets `lastUsedAt`; never brings back a deleted key. */
  touch(id: string, at: Date): Promise<void>;
}

const byCreation = (a: ApiKeyRecord, b: ApiKeyRecord) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1);
const copy = (record: ApiKeyRecord): ApiKeyRecord => ({ ...record, scopes: [...record.scopes] });

/** Per-process API key store (lost on restart). */
export class InMemoryApiKeyStore implements ApiKeyStore {
  private readonly records = new Map<string, ApiKeyRecord>();

  async create(record: ApiKeyRecord): Promise<void> {
    this.records.set(record.id, copy(record));
  }

  async findById(id: string): Promise<ApiKeyRecord | null> {
    const record = this.records.get(id);
    return record ? copy(record) : null;
  }

  async list(userId?: string): Promise<ApiKeyRecord[]> {
    return [...this.records.values()].filter((r) => userId === undefined || r.userId === userId).map(copy).sort(byCreation);
  }

  async delete(id: string): Promise<boolean> {
    return this.records.delete(id);
  }

  async touch(id: string, at: Date): Promise<void> {
    const record = this.records.get(id);
    if (record) record.lastUsedAt = at;
  }
}

type StoredRecord = Omit<ApiKeyRecord, "createdAt" | "lastUsedAt" | "expiresAt"> & {
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
};

const serialise = (r: ApiKeyRecord): string =>
  JSON.stringify({ ...r, createdAt: r.createdAt.toISOString(), lastUsedAt: r.lastUsedAt?.toISOString() ?? null, expiresAt: r.expiresAt?.toISOString() ?? null });

function deserialise(raw: string): ApiKeyRecord {
  const s = JSON.parse(raw) as StoredRecord;
  return { ...s, createdAt: new Date(s.createdAt), lastUsedAt: s.lastUsedAt ? new Date(s.lastUsedAt) : null, expiresAt: s.expiresAt ? new Date(s.expiresAt) : null };
}

const ID = /^[0-9a-f]{16}$/;

/**
 * An API key store on any KV backend: `<prefix>:key:<id>` holds the record and
 * `<prefix>:user:<userId>:<id>` indexes it by owner, so listing one user's keys reads only theirs.
 * @example const store = createKVApiKeyStore(kv);
 */
export function createKVApiKeyStore(kv: KvStore, prefix = "apikey"): ApiKeyStore {
  const keyOf = (id: string) => `${prefix}:key:${id}`;
  const userPrefix = (userId: string) => `${prefix}:user:${encodeURIComponent(userId)}:`;

  async function listKeys(start: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await kv.list(start, { limit: 1000, ...(cursor ? { cursor } : {}) });
      keys.push(...page.keys);
      cursor = page.cursor ?? undefined;
    } while (cursor);
    return keys;
  }

  const store: ApiKeyStore = {
    async create(record) {
      await kv.set(keyOf(record.id), serialise(record));
      if (record.userId !== null) await kv.set(userPrefix(record.userId) + record.id, "1");
    },

    async findById(id) {
      if (typeof id !== "string" || !ID.test(id)) return null;
      const raw = await kv.get(keyOf(id));
      return raw === null ? null : deserialise(raw);
    },

    async list(userId) {
      const start = userId === undefined ? `${prefix}:key:` : userPrefix(userId);
      const ids = (await listKeys(start)).map((key) => key.slice(start.length)).filter((id) => ID.test(id));
      const records = await Promise.all(ids.map((id) => store.findById(id)));
      return records.filter((r): r is ApiKeyRecord => r !== null && (userId === undefined || r.userId === userId)).sort(byCreation);
    },

    async delete(id) {
      if (typeof id !== "string" || !ID.test(id)) return false;
      // Compare-and-delete, so of two concurrent revocations or rotations exactly one wins; a
      // concurrent touch changes the value, so read again and retry.
      for (;;) {
        const raw = await kv.get(keyOf(id));
        if (raw === null) return false;
        if (await kv.compareAndSet(keyOf(id), raw, null)) {
          const userId = deserialise(raw).userId;
          if (userId !== null) await kv.delete(userPrefix(userId) + id);
          return true;
        }
      }
    },

    async touch(id, at) {
      const raw = await kv.get(keyOf(id));
      if (raw === null) return;
      // Only over the value just read: a touch racing a revocation must not resurrect the key.
      await kv.compareAndSet(keyOf(id), raw, serialise({ ...deserialise(raw), lastUsedAt: at }));
    },
  };
  return store;
}

/** The store used when none is given: the global KV when registered, else a memory store. */
export function defaultApiKeyStore(): ApiKeyStore {
  return hasGlobalKV() ? createKVApiKeyStore(getGlobalKV()) : new InMemoryApiKeyStore();
}
