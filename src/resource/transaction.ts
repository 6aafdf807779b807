/**
 * Atomic multi-statement writes on every driver. Interactive drivers (libsql, postgres-js,
 * PGlite, node-postgres) get a real transaction; better-sqlite3 runs statements inside its
 * synchronous transaction; D1 and Neon HTTP send them as one `db.batch()`, which their servers
 * run in one transaction.
 * @module
 */
import type { TransactionSupport } from "./model.js";

/** A Drizzle query builder that has not run yet (awaitable; `.all()` on SQLite drivers). */
export type PendingStatement = PromiseLike<unknown> & { all?: () => unknown };

/**
 * Runs the statements `build(db)` returns, all or nothing, and resolves with their results in
 * order. `build` receives the connection to build them on (a transaction handle where there is
 * one), so it must not run anything itself.
 */
export async function runAtomically(db: any, support: TransactionSupport, build: (db: any) => PendingStatement[]): Promise<unknown[]> {
  if (support === "batch-only") {
    const statements = build(db);
    if (statements.length === 0) return [];
    if (typeof db.batch === "function") return db.batch(statements);
    // `transactions: false` on a driver without batches: one statement after another, not atomic.
    const results: unknown[] = [];
    for (const statement of statements) results.push(await statement);
    return results;
  }
  if (support === "sync-only") {
    // better-sqlite3 refuses async transaction callbacks; its builders run synchronously with `.all()`.
    return db.transaction((tx: any) => build(tx).map((statement) => statement.all!()));
  }
  return db.transaction(async (tx: any) => {
    const results: unknown[] = [];
    for (const statement of build(tx)) results.push(await statement);
    return results;
  });
}

/**
 * Runs `fn` inside an interactive transaction when the driver has them (a throw rolls back every
 * write made through the handle); otherwise runs it on `db` directly, so each statement commits
 * on its own. The second argument tells `fn` which case it is in.
 */
export async function withTransaction<T>(db: any, support: TransactionSupport, fn: (db: any, atomic: boolean) => Promise<T>): Promise<T> {
  if (support !== "interactive") return fn(db, false);
  return db.transaction((tx: any) => fn(tx, true));
}

/**
 * Whether writes must take turns (`takeTurns`): SQLite through a driver with interactive
 * transactions (libsql). SQLite has one writer at a time, and a local libsql file answers a
 * write that meets an open transaction with SQLITE_BUSY at once (or, with a busy timeout, blocks
 * the only thread, which holds the lock, until it expires).
 */
export function writesTakeTurns(support: TransactionSupport, dialect: "sqlite" | "postgres"): boolean {
  return support === "interactive" && dialect === "sqlite";
}

const queues = new WeakMap<object, Promise<unknown>>();

/**
 * Runs `fn` after every earlier write queued on the same database has settled. Keyed by the
 * driver client (`db.$client`), which every resource and Drizzle instance over it shares, so
 * single-row writes, batches and nested writes all queue together.
 */
export function takeTurns<T>(db: any, fn: () => Promise<T>): Promise<T> {
  const key: object = db.$client ?? db;
  const previous = queues.get(key);
  const current = previous ? previous.then(fn, fn) : fn();
  const settled = current.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, settled);
  // Forget the queue once it drains, so an idle database holds nothing.
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return current;
}
