/**
 * The all-or-nothing unit every batch route and nested write runs in: reads and hooks happen on
 * `unit.db`, and the statements go through `unit.write` exactly once, so they commit together on
 * every driver (a transaction, better-sqlite3's synchronous transaction, or one D1 `db.batch()`).
 * @module
 */
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { entityKind, type SQL } from "drizzle-orm";
import { isD1 } from "../model.js";
import type { ResourceRuntime } from "../runtime.js";
import { runAtomically, withTransaction, type PendingStatement } from "../transaction.js";

/** What a batch operation works through. */
export interface WriteUnit {
  /** The transaction handle on interactive drivers, the configured db otherwise: reads and hooks use it. */
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
  if (!isLibsql(rt.db)) return unitOf(rt, fn);
  // libsql gives each transaction its own SQLite connection but runs them on this one thread: a
  // second writer waiting for the lock would block the first from ever committing (SQLITE_BUSY).
  // SQLite admits one writer at a time anyway, so queueing our units per database costs nothing.
  const previous = libsqlQueues.get(rt.db) ?? Promise.resolve();
  const run = previous.then(() => unitOf(rt, fn));
  libsqlQueues.set(rt.db, run.catch(() => undefined));
  return run;
}

/** Write units waiting on each libsql database, keyed by the Drizzle db (dropped with it). */
const libsqlQueues = new WeakMap<object, Promise<unknown>>();

function isLibsql(db: unknown): boolean {
  const session = (db as { session?: object }).session;
  return session ? (session.constructor as unknown as Record<symbol, unknown>)[entityKind] === "LibSQLSession" : false;
}

function unitOf<T>(rt: ResourceRuntime, fn: (unit: WriteUnit) => Promise<T>): Promise<T> {
  return withTransaction(rt.db, rt.transactions, (db, atomic) =>
    fn({
      db,
      atomic,
      write: async (build) => {
        if (!atomic) return (await runAtomically(db, rt.transactions, build)) as Record<string, unknown>[][];
        const results: Record<string, unknown>[][] = [];
        for (const statement of build(db)) results.push((await statement) as Record<string, unknown>[]);
        return results;
      },
    }),
  );
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
