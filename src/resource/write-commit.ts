/**
 * The write step shared by the single-row routes (spec 10 §6.1 "Transactions"): the statement and
 * its after-hook share one transaction where the driver can hold one across an await, so a
 * throwing after-hook rolls the write back. D1 and better-sqlite3 cannot: there the statement
 * commits on its own and the after-hook's error is still returned.
 * @module
 */
import { eq } from "drizzle-orm";
import { PreconditionFailedError } from "../errors/problem.js";
import type { HookContext } from "./config.js";
import type { ResourceEtag } from "./etag.js";
import type { ResourceRuntime } from "./runtime.js";
import { withTransaction } from "./transaction.js";

/**
 * Runs `write` (on the transaction handle when there is one), then `after` with its result.
 * Without an after-hook no transaction is opened. Inside a transaction the hook's `ctx.db` is the
 * transaction handle, so its own writes commit or roll back with the row (and cannot deadlock
 * against it on single-connection drivers).
 */
export function commitWrite<T>(
  rt: ResourceRuntime,
  ctx: HookContext | undefined,
  write: (db: any) => Promise<T>,
  after: ((ctx: HookContext, result: T) => unknown) | undefined,
): Promise<T> {
  const turns = takesTurns(rt);
  if (!after || !ctx) return turns ? takeTurns(rt.db.$client ?? rt.db, () => write(rt.db)) : write(rt.db);
  const run = () =>
    withTransaction(rt.db, rt.transactions, async (db, atomic) => {
      const result = await write(db);
      await after(atomic ? { ...ctx, db } : ctx, result);
      return result;
    });
  return turns ? takeTurns(rt.db.$client ?? rt.db, run) : run();
}

/**
 * Whether writes on this resource's database must take turns: SQLite through a driver with
 * interactive transactions (libsql). See `takeTurns`.
 */
export function takesTurns(rt: ResourceRuntime): boolean {
  return rt.transactions === "interactive" && rt.model.dialect === "sqlite";
}

const queues = new WeakMap<object, Promise<unknown>>();

/**
 * SQLite has one writer at a time, and a local libsql file answers a write that meets an open
 * transaction with SQLITE_BUSY at once (or, with a busy timeout, blocks the only thread, which
 * holds the lock, until it expires). So the writes of the generated single-row routes on one
 * SQLite database run one after the other, keyed by the driver client every resource shares.
 */
function takeTurns<T>(key: object, fn: () => Promise<T>): Promise<T> {
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

/** True when `values` sets at least one column, i.e. an UPDATE has something to write. */
export function setsAnyColumn(values: Record<string, unknown>, columns: Record<string, unknown>): boolean {
  for (const key in values) if (values[key] !== undefined && Object.hasOwn(columns, key)) return true;
  return false;
}

/** The 412 for a write that matched no row, naming the row's current ETag when it still exists. */
export async function modifiedError(rt: ResourceRuntime, etag: ResourceEtag | undefined, db: any, id: unknown): Promise<PreconditionFailedError> {
  if (!etag) return new PreconditionFailedError(undefined, "Resource was modified");
  const [current] = await db.select().from(rt.model.table).where(eq(rt.model.idColumn, id));
  return new PreconditionFailedError(current ? await etag.tag(current) : undefined, "Resource was modified");
}
