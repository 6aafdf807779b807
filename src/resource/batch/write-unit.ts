/**
 * The all-or-nothing unit every batch route and nested write runs in: reads and hooks happen on
 * `unit.db`, and the statements go through `unit.write` exactly once, so they commit together on
 * every driver (a transaction, better-sqlite3's synchronous transaction, or one D1 `db.batch()`).
 * @module
 */
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import type { SQL } from "drizzle-orm";
import { isD1 } from "../model.js";
import type { ResourceRuntime } from "../runtime.js";
import { deferTracking, type Deferred } from "../../realtime/track/resource-binding.js";
import { runAtomically, takeTurns, withTransaction, writesTakeTurns, type PendingStatement } from "../transaction.js";

/** What a batch operation works through. */
export interface WriteUnit {
  /**
   * The transaction handle on interactive drivers, the configured db otherwise: reads and hooks
   * use it. A tracked `config.db` stays tracked here, its changes published after the unit.
   */
  db: any;
  /** True when hooks and reads share the transaction of the writes (a throw rolls everything back). */
  atomic: boolean;
  /** Runs the statements `build` returns, all or nothing; each result is the statement's returned rows. */
  write(build: (db: any) => PendingStatement[]): Promise<Record<string, unknown>[][]>;
}

/**
 * Runs `fn` in a write unit. On interactive drivers the whole of `fn` is one transaction; on
 * better-sqlite3 and D1 only the statements given to `write` are, so `fn` must do every check
 * before it calls `write`.
 */
export function inWriteUnit<T>(rt: ResourceRuntime, fn: (unit: WriteUnit) => Promise<T>): Promise<T> {
  // libsql: one writer at a time, queued with the single-row writes of every resource on the database.
  return writesTakeTurns(rt.transactions, rt.model.dialect) ? takeTurns(rt.db, () => unitOf(rt, fn)) : unitOf(rt, fn);
}

async function unitOf<T>(rt: ResourceRuntime, fn: (unit: WriteUnit) => Promise<T>): Promise<T> {
  let deferred: Deferred | undefined;
  let atomic = false;
  try {
    const result = await withTransaction(rt.db, rt.transactions, (db, inTransaction) => {
      atomic = inTransaction;
      // Hooks get the tracked db when config.db is one; what they write waits for the commit.
      deferred = deferTracking(rt.hookDb, inTransaction ? db : undefined);
      return fn({
        db: deferred.db,
        atomic,
        write: async (build) => {
          if (!atomic) return (await runAtomically(db, rt.transactions, build)) as Record<string, unknown>[][];
          const results: Record<string, unknown>[][] = [];
          for (const statement of build(db)) results.push((await statement) as Record<string, unknown>[]);
          return results;
        },
      });
    });
    await deferred?.flush();
    return result;
  } catch (error) {
    // Without a transaction, hook writes made before the failure have committed.
    if (!atomic) await deferred?.flush();
    throw error;
  }
}

/** Bound parameters one statement may carry: D1's documented 100, far below SQLite's and Postgres' own limits. */
export function parameterLimit(rt: ResourceRuntime): number {
  if (isD1(rt.db)) return 100;
  return rt.model.dialect === "sqlite" ? 32_000 : 65_000;
}

const sqlite = new SQLiteSyncDialect();

/** Parameters `fragment` binds on D1 (0 elsewhere, where limits are not a concern for our statement sizes). */
export function parametersOf(rt: ResourceRuntime, fragment: SQL | undefined): number {
  if (!fragment || !isD1(rt.db)) return 0;
  return sqlite.sqlToQuery(fragment).params.length;
}

/** Splits `items` into runs of at most `size` (at least 1). */
export function chunk<T>(items: T[], size: number): T[][] {
  const step = Math.max(1, Math.floor(size));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += step) out.push(items.slice(i, i + step));
  return out;
}

/** Rows per multi-row INSERT so that every column of every row fits the parameter limit. */
export function rowsPerInsert(rt: ResourceRuntime): number {
  return Math.max(1, Math.floor(parameterLimit(rt) / rt.model.keys.length));
}
