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
import { takeTurns, withTransaction, writesTakeTurns } from "./transaction.js";
import { publishChanges } from "../realtime/publish.js";
import type { ChangeInput } from "../realtime/types.js";
import { deferTracking, type Deferred } from "../realtime/track/resource-binding.js";

/**
 * Runs `write` (on the transaction handle when there is one), then `after` with its result.
 * Without an after-hook no transaction is opened. Inside a transaction the hook's `ctx.db` is the
 * transaction handle, so its own writes commit or roll back with the row (and cannot deadlock
 * against it on single-connection drivers).
 *
 * `changes(result)` names the committed row changes; they are published to the hub after the
 * commit (a rollback publishes nothing) and, where writes take turns, before the next write
 * starts, so the changelog follows commit order. When `ctx.db` is a tracked db, what the hook
 * writes through it is published right after the row's own changes. Without a transaction (D1,
 * better-sqlite3) a throwing after-hook cannot undo the write, so its changes are still published.
 */
export function commitWrite<T>(
  rt: ResourceRuntime,
  ctx: HookContext | undefined,
  write: (db: any) => Promise<T>,
  after: ((ctx: HookContext, result: T) => unknown) | undefined,
  changes?: (result: T) => ChangeInput[],
): Promise<T> {
  const turns = takesTurns(rt);
  const publish = (result: T) => (changes ? publishChanges(rt, changes(result)) : Promise.resolve());
  if (!after || !ctx) {
    const direct = () => write(rt.db).then(async (result) => (await publish(result), result));
    return turns ? takeTurns(rt.db, direct) : direct();
  }
  const run = async () => {
    let deferred: Deferred | undefined;
    // A write that committed on its own, before the hook ran (no transaction).
    let standing: { result: T } | undefined;
    try {
      const result = await withTransaction(rt.db, rt.transactions, async (db, atomic) => {
        const result = await write(db);
        if (!atomic) standing = { result };
        deferred = deferTracking(ctx.db, atomic ? db : undefined);
        await after({ ...ctx, db: deferred.db }, result);
        return result;
      });
      await publish(result);
      await deferred!.flush();
      return result;
    } catch (error) {
      if (standing) {
        await publish(standing.result);
        await deferred?.flush();
      }
      throw error;
    }
  };
  return turns ? takeTurns(rt.db, run) : run();
}

/** Whether writes on this resource's database must take turns (see `takeTurns`). */
export function takesTurns(rt: ResourceRuntime): boolean {
  return writesTakeTurns(rt.transactions, rt.model.dialect);
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
