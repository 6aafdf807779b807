/**
 * Sessions on any `KvStore` (memory, Redis, the KV Durable Object), with a per-user index so
 * "log out everywhere" needs no scan. Keys: `<prefix>:s:<id>` holds the record, and
 * `<prefix>:u:<userId>:<id>` marks membership with the same TTL (both parts URI-encoded, so a
 * `:` in an id cannot make one user's index prefix match another's). The serialization is
 * private and versioned. A read that fails or finds an unreadable record yields null: fail closed.
 * @module
 */
import type { KvStore } from "../../ports/kv-store.js";
import type { SessionData, SessionStore } from "../types.js";
import { effectiveExpiry } from "./memory-store.js";

/** Options of `createKVSessionStore`. */
export interface KVSessionStoreOptions {
  kv: KvStore;
  /** Key prefix; default `"session"`. */
  prefix?: string;
  /** Told about read errors and unreadable records (which then read as "no session"). */
  onError?: (error: unknown) => void;
}

interface Stored {
  v: 1;
  u: string;
  c: number;
  e: number;
  d?: Record<string, unknown>;
}

function serialize(session: SessionData, expiresAt: Date): string {
  const stored: Stored = { v: 1, u: session.userId, c: session.createdAt.getTime(), e: expiresAt.getTime() };
  if (session.data) stored.d = session.data;
  return JSON.stringify(stored);
}

function deserialize(id: string, raw: string): SessionData {
  const stored = JSON.parse(raw) as Partial<Stored>;
  if (stored?.v !== 1 || typeof stored.u !== "string" || typeof stored.c !== "number" || typeof stored.e !== "number") {
    throw new Error(`unreadable session record for ${JSON.stringify(id.slice(0, 64))}`);
  }
  const session: SessionData = { id, userId: stored.u, createdAt: new Date(stored.c), expiresAt: new Date(stored.e) };
  if (stored.d && typeof stored.d === "object") session.data = stored.d;
  return session;
}

const enc = encodeURIComponent;

/** A KV-backed session store. */
class KVSessionStore implements SessionStore {
  constructor(
    private readonly kv: KvStore,
    private readonly prefix: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  private sessionKey(id: string): string {
    return `${this.prefix}:s:${enc(id)}`;
  }

  private userPrefix(userId: string): string {
    return `${this.prefix}:u:${enc(userId)}:`;
  }

  /** The raw record and its parsed form, or null (missing, expired, unreadable or a failed read). */
  private async read(id: string): Promise<{ raw: string; session: SessionData } | null> {
    try {
      const raw = await this.kv.get(this.sessionKey(id));
      if (raw === null) return null;
      const session = deserialize(id, raw);
      if (session.expiresAt.getTime() <= Date.now()) return null;
      return { raw, session };
    } catch (error) {
      this.onError(error);
      return null;
    }
  }

  async get(id: string): Promise<SessionData | null> {
    return (await this.read(id))?.session ?? null;
  }

  async set(id: string, data: SessionData, ttlMs: number): Promise<void> {
    const previous = await this.read(id);
    if (previous && previous.session.userId !== data.userId) await this.kv.delete(this.userPrefix(previous.session.userId) + enc(id));
    const now = Date.now();
    const expiresAt = effectiveExpiry(data, ttlMs, now);
    const ttl = expiresAt.getTime() - now;
    if (ttl <= 0) {
      await this.delete(id);
      return;
    }
    await this.kv.set(this.sessionKey(id), serialize({ ...data, id }, expiresAt), { ttlMs: ttl });
    await this.kv.set(this.userPrefix(data.userId) + enc(id), "", { ttlMs: ttl });
  }

  async delete(id: string): Promise<void> {
    const current = await this.read(id);
    await this.kv.delete(this.sessionKey(id));
    if (current) await this.kv.delete(this.userPrefix(current.session.userId) + enc(id));
  }

  async touch(id: string, ttlMs: number): Promise<void> {
    const current = await this.read(id);
    if (!current || ttlMs <= 0) return;
    const expiresAt = new Date(Date.now() + ttlMs);
    // Conditional: a touch racing a logout must not bring the session back.
    if (await this.kv.compareAndSet(this.sessionKey(id), current.raw, serialize(current.session, expiresAt), { ttlMs })) {
      await this.kv.set(this.userPrefix(current.session.userId) + enc(id), "", { ttlMs });
    }
  }

  async update(id: string, data: Record<string, unknown>): Promise<boolean> {
    const current = await this.read(id);
    if (!current) return false;
    const ttlMs = current.session.expiresAt.getTime() - Date.now();
    if (ttlMs <= 0) return false;
    const next = serialize({ ...current.session, data }, current.session.expiresAt);
    return this.kv.compareAndSet(this.sessionKey(id), current.raw, next, { ttlMs });
  }

  /** Every live key under `prefix`, all pages. */
  private async keys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.kv.list(prefix, { limit: 1000, ...(cursor ? { cursor } : {}) });
      keys.push(...page.keys);
      cursor = page.cursor ?? undefined;
    } while (cursor);
    return keys;
  }

  private async readAll(ids: string[]): Promise<SessionData[]> {
    const sessions = await Promise.all(ids.map((id) => this.get(id)));
    return sessions.filter((session): session is SessionData => session !== null);
  }

  async getAll(): Promise<SessionData[]> {
    const prefix = `${this.prefix}:s:`;
    return this.readAll((await this.keys(prefix)).map((key) => decodeURIComponent(key.slice(prefix.length))));
  }

  async getByUser(userId: string): Promise<SessionData[]> {
    try {
      const prefix = this.userPrefix(userId);
      const sessions = await this.readAll((await this.keys(prefix)).map((key) => decodeURIComponent(key.slice(prefix.length))));
      return sessions.filter((session) => session.userId === userId);
    } catch (error) {
      this.onError(error);
      return [];
    }
  }

  async deleteByUser(userId: string): Promise<number> {
    const prefix = this.userPrefix(userId);
    const keys = await this.keys(prefix);
    const deleted = await Promise.all(
      keys.map(async (key) => {
        const existed = await this.kv.delete(this.sessionKey(decodeURIComponent(key.slice(prefix.length))));
        await this.kv.delete(key);
        return existed;
      }),
    );
    return deleted.filter(Boolean).length;
  }
}

/**
 * A `SessionStore` on any KV backend (spec 40 §7).
 * @example const store = createKVSessionStore({ kv: createDurableObjectKV(env.COVARA_KV) });
 */
export function createKVSessionStore(options: KVSessionStoreOptions): SessionStore {
  return new KVSessionStore(options.kv, options.prefix ?? "session", options.onError ?? (() => {}));
}

/**
 * Deprecated alias of `createKVSessionStore` (Covara's name): pass a Redis-backed `KvStore`.
 * @deprecated Use `createKVSessionStore`.
 */
export const createRedisSessionStore = createKVSessionStore;
