/**
 * The all-or-nothing unit every batch route and nested write runs in: reads and hooks happen on
 * `unit.db`, and the statements go through `unit.write` exactly once, so they commit together on
 * every driver (a transaction, better-sqlite3's synchronous transaction, or one D1 `db.batch()`).
 * Row changes handed to `unit.publish` reach the hub only once the writes have committed (spec 20
 * §16.1–2), and on libsql before the next queued write starts, so the changelog follows commit order.
 * @module
 */
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import type { SQL } from "drizzle-orm";
import type { ChangeInput } from "../../realtime/types.js";
import { isD1 } from "../model.js";
import type { ResourceRuntime } from "../runtime.js";
import { runAtomically, takeTurns, withTransaction, writesTakeTurns, type PendingStatement } from "../transaction.js";
import type { ChangeTarget } from "./changes.js";
import { deferTracking, type Deferred } from "../../realtime/track/resource-binding.js";

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
  /**
   * Queues committed-to-be row changes of `target`, to publish after the commit. Call it right
   * after `write` and before the after-hooks: in an atomic unit a throw discards the queue with the
   * rollback; otherwise the rows have already committed, so the queue is published and the error
   * is still thrown (spec 10 §6.1 "Transactions").
   */
  publish(target: ChangeTarget, changes: ChangeInput[]): void;
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

type Queue = Map<string, { target: ChangeTarget; changes: ChangeInput[]; outboxId: string }>;

async function unitOf<T>(rt: ResourceRuntime, fn: (unit: WriteUnit) => Promise<T>): Promise<T> {
  const queued: Queue = new Map();
  const outbox = rt.realtime.outbox.enabled() ? rt.realtime.outbox : undefined;
  if (outbox) await outbox.prepare(rt);
  let atomic = false;
  let recorded = false;
  let deferred: Deferred | undefined;
  let result: T;
  try {
    result = await withTransaction(rt.db, rt.transactions, async (db, inTransaction) => {
      atomic = inTransaction;
      // Hooks get the tracked db when config.db is one; what they write waits for the commit.
      deferred = deferTracking(rt.hookDb, inTransaction ? db : undefined);
      const value = await fn({
        db: deferred.db,
        atomic,
        write: async (build) => {
          if (!atomic) return (await runAtomically(db, rt.transactions, build)) as Record<string, unknown>[][];
          const results: Record<string, unknown>[][] = [];
          for (const statement of build(db)) results.push((await statement) as Record<string, unknown>[]);
          return results;
        },
        publish: (target, changes) => {
          // One append per resource, in the order the rows were written.
          const entry = queued.get(target.name);
          if (entry) entry.changes.push(...changes);
          else queued.set(target.name, { target, changes: [...changes], outboxId: crypto.randomUUID() });
        },
      });
      // In a transaction the outbox rows commit (or roll back) with the writes.
      if (atomic) await record(rt, db, queued);
      recorded = atomic;
      return value;
    });
  } catch (error) {
    if (!atomic) {
      await settle(rt, queued, recorded);
      // Without a transaction, hook writes made before the failure have committed.
      await deferred?.flush();
    }
    throw error;
  }
  await settle(rt, queued, recorded);
  await deferred?.flush();
  return result;
}

/** Records the queue in the outbox (when it is on) on `db`. */
async function record(rt: ResourceRuntime, db: any, queued: Queue): Promise<void> {
  const outbox = rt.realtime.outbox;
  if (!outbox.enabled()) return;
  for (const { target, changes, outboxId } of queued.values()) await outbox.record(db, outboxResource(rt, target), outboxId, changes);
}

/**
 * Publishes each resource's queued changes: through the outbox when it is on (recording them
 * first where no transaction did), else straight to the hub (`Realtime.publish` logs a failure).
 */
async function settle(rt: ResourceRuntime, queued: Queue, recorded: boolean): Promise<void> {
  const outbox = rt.realtime.outbox;
  if (!outbox.enabled()) {
    for (const { target, changes } of queued.values()) await target.realtime.publish(target.name, changes);
    return;
  }
  if (!recorded) await record(rt, rt.db, queued);
  for (const { target, changes, outboxId } of queued.values()) await outbox.publish(outboxResource(rt, target), outboxId, changes);
}

function outboxResource(rt: ResourceRuntime, target: ChangeTarget) {
  return target.name === rt.model.name ? rt : { db: rt.db, model: { ...rt.model, name: target.name } };
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
