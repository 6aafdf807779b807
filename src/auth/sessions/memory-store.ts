/**
 * Sessions in a Map: one process or one isolate, lost on restart. The default when no global KV
 * exists. Records are copied in and out so callers cannot mutate stored sessions.
 * @module
 */
import type { SessionData, SessionStore } from "../types.js";

/** Options of `InMemorySessionStore`. */
export interface InMemorySessionStoreOptions {
  /** Clock in epoch ms (tests inject one). */
  now?: () => number;
}

/** Copies a session (Dates and data included) so stored records stay private. */
export function copySession(session: SessionData): SessionData {
  return {
    id: session.id,
    userId: session.userId,
    createdAt: new Date(session.createdAt.getTime()),
    expiresAt: new Date(session.expiresAt.getTime()),
    ...(session.data ? { data: structuredClone(session.data) } : {}),
  };
}

/** The expiry a store records for `set(id, data, ttlMs)`: the earlier of `data.expiresAt` and now + ttlMs. */
export function effectiveExpiry(data: SessionData, ttlMs: number, now: number): Date {
  return new Date(Math.min(data.expiresAt.getTime(), now + ttlMs));
}

/**
 * A `SessionStore` in memory with a per-user index.
 * @example const store = new InMemorySessionStore();
 */
export class InMemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionData>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly now: () => number;

  constructor(options: InMemorySessionStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  private live(id: string): SessionData | undefined {
    const session = this.sessions.get(id);
    if (session && session.expiresAt.getTime() <= this.now()) {
      this.remove(id);
      return undefined;
    }
    return session;
  }

  private remove(id: string): boolean {
    const session = this.sessions.get(id);
    if (!session) return false;
    this.sessions.delete(id);
    const ids = this.byUser.get(session.userId);
    ids?.delete(id);
    if (ids?.size === 0) this.byUser.delete(session.userId);
    return true;
  }

  /** The live session, or null. */
  async get(id: string): Promise<SessionData | null> {
    const session = this.live(id);
    return session ? copySession(session) : null;
  }

  /** Stores `data` under `id` until the earlier of `data.expiresAt` and now + `ttlMs`. */
  async set(id: string, data: SessionData, ttlMs: number): Promise<void> {
    this.remove(id);
    const now = this.now();
    const expiresAt = effectiveExpiry(data, ttlMs, now);
    if (expiresAt.getTime() <= now) return;
    this.sessions.set(id, { ...copySession(data), id, expiresAt });
    let ids = this.byUser.get(data.userId);
    if (!ids) this.byUser.set(data.userId, (ids = new Set()));
    ids.add(id);
  }

  /** Removes a session. */
  async delete(id: string): Promise<void> {
    this.remove(id);
  }

  /** Moves a live session's expiry to now + `ttlMs`. */
  async touch(id: string, ttlMs: number): Promise<void> {
    const session = this.live(id);
    if (!session) return;
    session.expiresAt = new Date(this.now() + ttlMs);
    this.live(id);
  }

  /** Replaces a live session's data; false when it is gone. */
  async update(id: string, data: Record<string, unknown>): Promise<boolean> {
    const session = this.live(id);
    if (!session) return false;
    session.data = structuredClone(data);
    return true;
  }

  /** Every live session. */
  async getAll(): Promise<SessionData[]> {
    return [...this.sessions.keys()].flatMap((id) => {
      const session = this.live(id);
      return session ? [copySession(session)] : [];
    });
  }

  /** The user's live sessions. */
  async getByUser(userId: string): Promise<SessionData[]> {
    return [...(this.byUser.get(userId) ?? [])].flatMap((id) => {
      const session = this.live(id);
      return session ? [copySession(session)] : [];
    });
  }

  /** Ends every session of the user; how many were live. */
  async deleteByUser(userId: string): Promise<number> {
    let count = 0;
    for (const id of [...(this.byUser.get(userId) ?? [])]) {
      if (this.live(id)) count++;
      this.remove(id);
    }
    return count;
  }
}
