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
import { isD1 } from "./model.js";
import { takeTurns, withTransaction, writesTakeTurns, type PendingStatement } from "./transaction.js";
import { publishChanges } from "../realtime/publish.js";
import type { ChangeInput } from "../realtime/types.js";
import { deferTracking, type Deferred } from "../realtime/track/resource-binding.js";

/**
 * A write as a statement not yet run, so it can ride in a D1 batch with its outbox row.
 * `build` answers undefined when there is nothing to write.
 */
export interface WriteStep<T> {
  build(db: any): PendingStatement | undefined;
  /** The route's result from the statement's rows (may throw, e.g. a 412). */
  read(rows: any, db: any): Promise<T>;
  /** D1: the change as known before the statement runs (no after-image), for the batched outbox row. */
  planned?(): { change: ChangeInput; idKnown: boolean };
}

function runner<T>(write: ((db: any) => Promise<T>) | WriteStep<T>): (db: any) => Promise<T> {
  if (typeof write === "function") return write;
  return (db) => {
    const statement = write.build(db);
    return statement ? Promise.resolve(statement).then((rows) => write.read(rows, db)) : write.read(undefined, db);
  };
}

/**
 * Runs `write` (on the transaction handle when there is one), then `after` with its result.
 * Without an after-hook no transaction is opened. Inside a transaction the hook's `ctx.db` is the
 * transaction handle, so its own writes commit or roll back with the row (and cannot deadlock
 * against it on single-connection drivers).
 *
 * `changes(result)` names the committed row changes; they are published to the hub after the
 * commit (a rollback publishes nothing) and, where writes take turns, before the next write
 * starts, so the changelog follows commit order. With the outbox on, they are also recorded in
 * the write's transaction (D1: its batch) until the hub has them. When `ctx.db` is a tracked db,
 * what the hook writes through it is published right after the row's own changes.
 */
export function commitWrite<T>(
  rt: ResourceRuntime,
  ctx: HookContext | undefined,
  write: ((db: any) => Promise<T>) | WriteStep<T>,
  after: ((ctx: HookContext, result: T) => unknown) | undefined,
  changes?: (result: T) => ChangeInput[],
): Promise<T> {
  const turns = takesTurns(rt);
  const run = runner(write);
  if (changes && rt.realtime.outbox.enabled()) {
    const go = () => commitWithOutbox(rt, ctx, write, run, after, changes);
    return turns ? takeTurns(rt.db, go) : go();
  }
  const publish = changes && ((result: T) => publishChanges(rt, changes(result)).then(() => result));
  if (!after || !ctx) {
    const direct = publish ? () => run(rt.db).then(publish) : () => run(rt.db);
    return turns ? takeTurns(rt.db, direct) : direct();
  }
  const go = async () => {
    const { result, hookError, deferred } = await withTransaction(rt.db, rt.transactions, (db, atomic) => runWithHook(db, atomic, ctx, run, after));
    if (publish) await publish(result);
    await deferred.flush();
    if (hookError !== undefined) throw hookError;
    return result;
  };
  return turns ? takeTurns(rt.db, go) : go();
}

/**
 * The write, then its after-hook. Inside a real transaction a throwing hook rolls the write back;
 * elsewhere the write has committed, so its changes are still published and the hook's error is
 * rethrown after that (`hookError`).
 */
async function runWithHook<T>(
  db: any,
  atomic: boolean,
  ctx: HookContext,
  run: (db: any) => Promise<T>,
  after: (ctx: HookContext, result: T) => unknown,
): Promise<{ result: T; hookError?: unknown; deferred: Deferred }> {
  const result = await run(db);
  // The hook's tracked writes wait for the commit (and vanish with a rollback).
  const deferred = deferTracking(ctx.db, atomic ? db : undefined);
  try {
    await after({ ...ctx, db: deferred.db }, result);
  } catch (error) {
    if (atomic) throw error;
    return { result, hookError: error, deferred };
  }
  return { result, deferred };
}

async function commitWithOutbox<T>(
  rt: ResourceRuntime,
  ctx: HookContext | undefined,
  write: ((db: any) => Promise<T>) | WriteStep<T>,
  run: (db: any) => Promise<T>,
  after: ((ctx: HookContext, result: T) => unknown) | undefined,
  changes: (result: T) => ChangeInput[],
): Promise<T> {
  const outbox = rt.realtime.outbox;
  const resource = { db: rt.db, model: rt.model };
  await outbox.prepare(resource);
  const id = crypto.randomUUID();
  // D1 only: the outbox statement is SQLite SQL, and `transactions: false` elsewhere has no batch.
  if (rt.transactions === "batch-only" && isD1(rt.db) && typeof write !== "function" && write.planned && !(after && ctx)) {
    const statement = write.build(rt.db);
    if (!statement) return write.read(undefined, rt.db);
    const { change, idKnown } = write.planned();
    const [rows] = await rt.db.batch([statement, outbox.batchStatement(rt.db, resource, id, change, idKnown)]);
    const result = await write.read(rows, rt.db);
    const list = changes(result);
    if (list.length > 0) await outbox.publish(resource, id, list);
    return result;
  }
  const { result, list, hookError, deferred } = await withTransaction(rt.db, rt.transactions, async (db, atomic) => {
    const { result, hookError, deferred } = after && ctx ? await runWithHook(db, atomic, ctx, run, after) : { result: await run(db), hookError: undefined, deferred: undefined };
    const list = changes(result);
    if (list.length > 0) await outbox.record(db, resource, id, list);
    return { result, list, hookError, deferred };
  });
  if (list.length > 0) await outbox.publish(resource, id, list);
  await deferred?.flush();
  if (hookError !== undefined) throw hookError;
  return result;
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
