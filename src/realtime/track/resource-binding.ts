/**
 * How the resource engine uses tracking (spec 20 §0 deviation 3, §12): generated endpoints write
 * through the untracked base db (one entry per row, never two); hooks and procedures get a
 * tracked view that publishes on the app's hub with the caller's user id; inside a route's
 * transaction that view holds its changes until the route has committed and published.
 * @module
 */
import { getTableName, type Column, type Table } from "drizzle-orm";
import { view } from "./db-view.js";
import { isTrackedDb, scopeOf, trackMutations } from "./track-mutations.js";
import { publish, register, type Pending, type Publisher, type Scope } from "./tracker.js";

/** What a view can be bound to. */
export interface Binding {
  handle?: unknown;
  userId?: string;
  sink?: Publisher;
  buffer?: Pending[];
}

/** The db a tracked db wraps (a transaction's handle for a transaction view); any other db itself. */
export function untrackedDb<T>(db: T): T {
  return (scopeOf(db)?.handle as T | undefined) ?? db;
}

/** A view of tracked `db` with some of its scope replaced; an untracked db is returned as is. */
export function bindTracked<T>(db: T, binding: Binding): T {
  const scope = scopeOf(db);
  if (!scope) return db;
  const next: Scope = { ...scope };
  if (binding.handle !== undefined) next.handle = binding.handle;
  if (binding.userId !== undefined) next.userId = binding.userId;
  if (binding.sink !== undefined) next.sink = binding.sink;
  if (binding.buffer !== undefined) next.buffer = binding.buffer;
  return view(next.handle, next) as T;
}

/** `config.db` as hooks see it: a tracked db publishes on the app's hub (unless it names a hub). */
export function hookDbFor(configDb: unknown, realtime: Publisher): unknown {
  return isTrackedDb(configDb) ? bindTracked(configDb, { sink: realtime }) : configDb;
}

/**
 * `ctx.db` of a resource's procedures: tracked for the resource's own table in any case (and for
 * every table of `config.db` when that is tracked), publishing on the app's hub.
 */
export function procedureDbFor(configDb: unknown, table: Table, id: Column, realtime: Publisher): unknown {
  const scope = scopeOf(configDb);
  if (!scope) return bindTracked(trackMutations(configDb as object, { [getTableName(table)]: { table, id } }), { sink: realtime });
  if (scope.tracker.byTable.has(table)) return bindTracked(configDb, { sink: realtime });
  const extra = [...(scope.extra ?? []), register(getTableName(table), { table, id })];
  return view(scope.handle, { ...scope, sink: realtime, extra });
}

/** A view whose changes wait until `flush()`; for an untracked db, `handle` (or the db) and a no-op. */
export interface Deferred {
  db: any;
  /** Publishes what the view recorded so far (call after the enclosing transaction committed). */
  flush(): Promise<void>;
}

/**
 * Defers a (possibly) tracked db's changes, running on `handle` when given (a route's
 * transaction): hook writes then reach the changelog after the route's own row, and not at all
 * when the transaction rolls back.
 */
export function deferTracking(db: unknown, handle?: unknown): Deferred {
  const scope = scopeOf(db);
  if (!scope) return { db: handle ?? db, flush: async () => {} };
  const buffer: Pending[] = [];
  const deferred = bindTracked(db, { handle, buffer });
  return { db: deferred, flush: () => publish(scopeOf(deferred)!, buffer.splice(0)) };
}
