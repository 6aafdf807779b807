/**
 * The state behind a tracked db. A `Tracker` is what one `trackMutations` call knows (its tables
 * and options); a `Scope` is one view of it: the db or transaction handle it runs on, the acting
 * user, where to publish, and a transaction's buffer. Views share the tracker and never mutate a
 * scope, so `withoutTracking` or a request's binding cannot leak into concurrent work.
 * @module
 */
import { getTableColumns, getTableName, type Column, type Table } from "drizzle-orm";
import { getLogger } from "../../log/logger.js";
import { columnKey } from "../../resource/model.js";
import { Realtime } from "../realtime.js";
import type { ChangeInput } from "../types.js";
import type { TrackedTable, TrackMutationsOptions } from "./types.js";

/** A tracked table, resolved once. */
export interface Registration {
  resource: string;
  table: Table;
  /** The table's name in SQL, for raw SQL detection. */
  sqlName: string;
  columns: Record<string, Column>;
  idKey: string;
  idColumn: Column;
  /** Some column has `$onUpdate`: an UPDATE writes more than its `set`. */
  hasOnUpdate: boolean;
}

/** Where a view's changes go: the app's realtime side, or a stand-alone one. */
export interface Publisher {
  publish(resource: string, changes: ChangeInput[]): Promise<void>;
}

/** A recorded change waiting for its transaction to commit. */
export interface Pending {
  resource: string;
  change: ChangeInput;
  /** The statement text, for a raw SQL or batch entry. */
  sql?: string;
}

/** What one `trackMutations` call knows. */
export interface Tracker {
  byTable: Map<Table, Registration>;
  bySqlName: Map<string, Registration>;
  skip: ReadonlySet<string>;
  options: TrackMutationsOptions;
  /** Publishes on `options.hub`, else the global hub, both resolved at publish time. */
  own: Publisher;
}

/** One view of a tracker. */
export interface Scope {
  tracker: Tracker;
  /** The untracked db or transaction the view runs on; `withoutTracking` hands it out. */
  handle: any;
  userId?: string;
  /** Used when `options.hub` is not set (a resource binds its app's realtime here). */
  sink?: Publisher;
  /** Inside a transaction: changes wait here until it commits. */
  buffer?: Pending[];
  /** Tables tracked for this view only (a procedure's own resource). */
  extra?: Registration[];
}

/** Resolves one table to track. */
export function register(label: string, def: TrackedTable): Registration {
  const columns = getTableColumns(def.table) as Record<string, Column>;
  const idKey = columnKey(columns, def.id, `trackMutations: ${label}.id`);
  const sqlName = getTableName(def.table);
  const hasOnUpdate = Object.values(columns).some((column) => (column as Column & { onUpdateFn?: unknown }).onUpdateFn !== undefined);
  return { resource: def.resourceName ?? sqlName, table: def.table, sqlName, columns, idKey, idColumn: columns[idKey]!, hasOnUpdate };
}

/** The tracker of one `trackMutations` call. */
export function createTracker(tables: Record<string, TrackedTable>, options: TrackMutationsOptions): Tracker {
  const byTable = new Map<Table, Registration>();
  const bySqlName = new Map<string, Registration>();
  for (const [label, def] of Object.entries(tables)) {
    const registration = register(label, def);
    byTable.set(def.table, registration);
    bySqlName.set(registration.sqlName.toLowerCase(), registration);
  }
  return { byTable, bySqlName, skip: new Set(options.skipTables ?? []), options, own: new Realtime({ hub: options.hub }) };
}

/** The registration of `table` in this view, unless it is unregistered or skipped. */
export function registrationOf(scope: Scope, table: unknown): Registration | undefined {
  const found = scope.tracker.byTable.get(table as Table) ?? scope.extra?.find((r) => r.table === table);
  return found && !scope.tracker.skip.has(found.resource) ? found : undefined;
}

/** The registration whose SQL table name is `name` (case-insensitive), unless skipped. */
export function registrationNamed(scope: Scope, name: string): Registration | undefined {
  const key = name.toLowerCase();
  const found = scope.tracker.bySqlName.get(key) ?? scope.extra?.find((r) => r.sqlName.toLowerCase() === key);
  return found && !scope.tracker.skip.has(found.resource) ? found : undefined;
}

/** A coarse entry: the statement wrote to the table but its rows are unknown (spec 20 §6.2). */
export function coarse(type: ChangeInput["type"]): ChangeInput {
  return { type, objectId: "*", reason: "raw-sql-mutation" };
}

/**
 * Records committed changes of `reg`: into the transaction's buffer, or published now. The
 * returned promise settles once the hub has them (or the failure was logged).
 */
export function record(scope: Scope, reg: Registration, changes: ChangeInput[], sql?: string): void | Promise<void> {
  if (changes.length === 0) return;
  const pending = changes.map((change): Pending => {
    const withUser = scope.userId === undefined || change.userId !== undefined ? change : { ...change, userId: scope.userId };
    return sql === undefined ? { resource: reg.resource, change: withUser } : { resource: reg.resource, change: withUser, sql };
  });
  if (scope.buffer) {
    scope.buffer.push(...pending);
    return;
  }
  return publish(scope, pending);
}

/**
 * Publishes committed changes: one append per resource (per-resource order kept; every append is
 * started before the first await, so a synchronous caller's changes reach an in-memory hub at
 * once), then the callbacks. Never rejects: the writes have committed.
 */
export async function publish(scope: Scope, pending: Pending[]): Promise<void> {
  if (pending.length === 0) return;
  const { options, own } = scope.tracker;
  const byResource = new Map<string, ChangeInput[]>();
  for (const { resource, change } of pending) {
    const list = byResource.get(resource);
    if (list) list.push(change);
    else byResource.set(resource, [change]);
  }
  if (options.pushToSubscriptions !== false) {
    const publisher = options.hub ? own : scope.sink ?? own;
    await Promise.all([...byResource].map(([resource, changes]) => publisher.publish(resource, changes)));
  }
  for (const { resource, change, sql } of pending) {
    if (sql !== undefined && options.onRawSqlMutation) await callback("onRawSqlMutation", () => options.onRawSqlMutation!({ resource, type: change.type, sql }));
    if (options.onMutation) await callback("onMutation", () => options.onMutation!({ ...change, resource }));
  }
}

async function callback(name: string, fn: () => void | Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    getLogger().error(`trackMutations: ${name} failed`, { error: String(error) });
  }
}
