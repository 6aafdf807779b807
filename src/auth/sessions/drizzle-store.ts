/**
 * Sessions in an `auth_sessions` table through Drizzle, on SQLite (better-sqlite3, libsql, D1) and
 * PostgreSQL alike. Rows with `expiresAt ≤ now` are invisible to every read; they are swept at most
 * once per `cleanupIntervalMs`, piggybacking on writes (no timers, so it runs on Workers too).
 * @module
 */
import { and, eq, gt, is, lte } from "drizzle-orm";
import { PgDatabase } from "drizzle-orm/pg-core";
import type { SessionData, SessionStore } from "../types.js";
import { pgAuthSessions, sqliteAuthSessions } from "./drizzle-tables.js";
import { effectiveExpiry } from "./memory-store.js";

/** Options of `createDrizzleSessionStore`. */
export interface DrizzleSessionStoreOptions {
  /** A Drizzle database (SQLite, D1 or PostgreSQL). */
  db: unknown;
  /**
   * A table with the property keys `id`, `userId`, `createdAt`, `expiresAt` (Date columns) and
   * `data` (text). Default: `sqliteAuthSessions` or `pgAuthSessions` by the database's dialect.
   */
  table?: unknown;
  /** Minimum gap between sweeps of expired rows, ms; default 3600000; 0 disables sweeping. */
  cleanupIntervalMs?: number;
  /** Told about failed reads, unreadable `data` and failed sweeps (reads then yield no session). */
  onError?: (error: unknown) => void;
}

type Row = { id: string; userId: string; createdAt: Date; expiresAt: Date; data: string | null };

/** A Drizzle-backed session store. */
class DrizzleSessionStore implements SessionStore {
  private lastSweep = Date.now();

  constructor(
    private readonly db: any,
    private readonly t: any,
    private readonly cleanupIntervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  private live(now = new Date()) {
    return gt(this.t.expiresAt, now);
  }

  private toSession(row: Row): SessionData {
    const session: SessionData = { id: row.id, userId: row.userId, createdAt: new Date(row.createdAt), expiresAt: new Date(row.expiresAt) };
    if (row.data !== null && row.data !== undefined) {
      const data = JSON.parse(row.data) as unknown;
      if (data === null || typeof data !== "object" || Array.isArray(data)) throw new Error("unreadable session data");
      session.data = data as Record<string, unknown>;
    }
    return session;
  }

  /** Rows → sessions; an unreadable row is reported and left out (fail closed). */
  private toSessions(rows: Row[]): SessionData[] {
    return rows.flatMap((row) => {
      try {
        return [this.toSession(row)];
      } catch (error) {
        this.onError(error);
        return [];
      }
    });
  }

  /** Deletes expired rows when the last sweep is older than the interval; never fails the caller. */
  private sweep(): void {
    if (this.cleanupIntervalMs <= 0 || Date.now() - this.lastSweep < this.cleanupIntervalMs) return;
    this.lastSweep = Date.now();
    Promise.resolve()
      .then(() => this.db.delete(this.t).where(lte(this.t.expiresAt, new Date())))
      .catch(this.onError);
  }

  async get(id: string): Promise<SessionData | null> {
    try {
      const rows: Row[] = await this.db.select().from(this.t).where(and(eq(this.t.id, id), this.live())).limit(1);
      return rows[0] ? this.toSession(rows[0]) : null;
    } catch (error) {
      this.onError(error);
      return null;
    }
  }

  async set(id: string, data: SessionData, ttlMs: number): Promise<void> {
    const expiresAt = effectiveExpiry(data, ttlMs, Date.now());
    const row = { userId: data.userId, createdAt: data.createdAt, expiresAt, data: data.data ? JSON.stringify(data.data) : null };
    await this.db.insert(this.t).values({ id, ...row }).onConflictDoUpdate({ target: this.t.id, set: row });
    this.sweep();
  }

  async delete(id: string): Promise<void> {
    await this.db.delete(this.t).where(eq(this.t.id, id));
  }

  async touch(id: string, ttlMs: number): Promise<void> {
    const now = Date.now();
    await this.db.update(this.t).set({ expiresAt: new Date(now + ttlMs) }).where(and(eq(this.t.id, id), this.live(new Date(now))));
  }

  async update(id: string, data: Record<string, unknown>): Promise<boolean> {
    const rows: unknown[] = await this.db
      .update(this.t)
      .set({ data: JSON.stringify(data) })
      .where(and(eq(this.t.id, id), this.live()))
      .returning({ id: this.t.id });
    return rows.length > 0;
  }

  async getAll(): Promise<SessionData[]> {
    return this.toSessions(await this.db.select().from(this.t).where(this.live()));
  }

  async getByUser(userId: string): Promise<SessionData[]> {
    return this.toSessions(await this.db.select().from(this.t).where(and(eq(this.t.userId, userId), this.live())));
  }

  async deleteByUser(userId: string): Promise<number> {
    const now = Date.now();
    const rows: { expiresAt: Date }[] = await this.db.delete(this.t).where(eq(this.t.userId, userId)).returning({ expiresAt: this.t.expiresAt });
    return rows.filter((row) => new Date(row.expiresAt).getTime() > now).length;
  }
}

/**
 * A `SessionStore` over the `auth_sessions` table (spec 40 §7, §8).
 * @example const store = createDrizzleSessionStore({ db: drizzle(env.DB) });
 */
export function createDrizzleSessionStore(options: DrizzleSessionStoreOptions): SessionStore {
  const table = options.table ?? (is(options.db as object, PgDatabase) ? pgAuthSessions : sqliteAuthSessions);
  return new DrizzleSessionStore(options.db, table, options.cleanupIntervalMs ?? 3_600_000, options.onError ?? (() => {}));
}
