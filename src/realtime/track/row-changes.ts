/**
 * What a builder `insert`/`update`/`delete` on a tracked table changed (spec 20 §12): row entries
 * when the rows are known (from `.returning()` or a pre-mutation SELECT), a coarse entry when only
 * the table is, nothing when the statement affected no row.
 * @module
 */
import { inArray, is, Param, type SQL } from "drizzle-orm";
import { jsonImage } from "../publish.js";
import type { ChangeInput } from "../types.js";
import { andThen, orElse, type Maybe } from "./sync-or-async.js";
import { coarse, type Registration, type Scope } from "./tracker.js";

type Row = Record<string, unknown>;

/** The kind of a write statement. */
export type WriteKind = "insert" | "update" | "delete";

/** How the statement was executed: which decides what its result holds. */
export type ExecMode = "then" | "execute" | "run" | "all" | "get" | "values";

/** The parts of a Drizzle write builder's `config` tracking reads. */
export interface WriteConfig {
  table: unknown;
  where?: SQL;
  set?: Record<string, unknown>;
  returning?: unknown;
  withList?: unknown[];
  from?: unknown;
  joins?: unknown[];
  orderBy?: unknown[];
  limit?: unknown;
}

/** What an executed statement tells about the rows it touched. */
interface Outcome {
  /** Returned rows (as objects), when the statement returned them. */
  rows?: Row[];
  /** Rows affected, when the driver reports it. */
  count?: number;
}

/** Rows affected as reported by the driver (better-sqlite3, libsql, D1, PGlite, postgres-js, pg). */
export function affectedCount(result: unknown): number | undefined {
  if (result === null || typeof result !== "object") return undefined;
  const r = result as Record<string, unknown> & { meta?: { changes?: unknown } };
  for (const key of ["changes", "rowsAffected", "affectedRows", "rowCount", "count"]) if (typeof r[key] === "number") return r[key] as number;
  return typeof r.meta?.changes === "number" ? r.meta.changes : undefined;
}

function outcomeOf(result: unknown, mode: ExecMode, returning: boolean): Outcome {
  if (returning && mode === "get") return { rows: result ? [result as Row] : [] };
  if (returning && mode !== "run" && Array.isArray(result)) {
    // `.values()` returns arrays, not objects: only the count is usable.
    return mode === "values" ? { count: result.length } : { rows: result as Row[] };
  }
  return { count: affectedCount(result) };
}

const selectAll = (query: any): Maybe<Row[]> => (typeof query.all === "function" ? query.all() : query.execute());

/**
 * The rows an update or delete is about to touch, read with its own WHERE (and CTEs, order and
 * limit). Undefined when capture is off, the statement has no WHERE or joins other tables, or the
 * read failed: the write then goes ahead without before-images.
 */
export function captureBefore(scope: Scope, reg: Registration, config: WriteConfig): Maybe<Row[] | undefined> {
  if (scope.tracker.options.capturePreviousState === false || !config.where || config.from || config.joins?.length) return undefined;
  return orElse(() => {
    const source = config.withList?.length ? scope.handle.with(...config.withList) : scope.handle;
    let query = source.select().from(reg.table).where(config.where);
    if (config.orderBy?.length) query = query.orderBy(...config.orderBy);
    if (config.limit !== undefined) query = query.limit(config.limit);
    return selectAll(query);
  }, undefined);
}

/** Current rows with these ids, in chunks small enough for D1's 100 parameters. */
function rowsById(scope: Scope, reg: Registration, ids: unknown[]): Maybe<Map<string, Row>> {
  const found = new Map<string, Row>();
  let step: Maybe<void> = undefined;
  for (let i = 0; i < ids.length; i += 90) {
    const part = ids.slice(i, i + 90);
    step = andThen(step, () =>
      andThen(selectAll(scope.handle.select().from(reg.table).where(inArray(reg.idColumn, part))), (rows) => {
        for (const row of rows) found.set(String(row[reg.idKey]), row);
      }),
    );
  }
  return andThen(step, () => found);
}

/** `rows` as full row images: as returned, or read again by id when `.returning()` named fewer columns. */
function fullImages(scope: Scope, reg: Registration, rows: Row[]): Maybe<Row[] | undefined> {
  const keys = Object.keys(reg.columns);
  if (rows.every((row) => keys.every((key) => key in row))) return rows;
  if (!rows.every((row) => row[reg.idKey] !== undefined)) return undefined;
  return orElse(
    () => andThen(rowsById(scope, reg, rows.map((row) => row[reg.idKey])), (byId) => rows.map((row) => byId.get(String(row[reg.idKey])) ?? row)),
    undefined,
  );
}

/** The after-images of updated rows without `.returning()`: the set values overlaid, or a fresh read. */
function afterImages(scope: Scope, reg: Registration, before: Row[], set: Record<string, unknown> | undefined): Maybe<Row[]> {
  const plain: Row = {};
  let computed = reg.hasOnUpdate;
  for (const [key, value] of Object.entries(set ?? {})) {
    if (is(value, Param)) plain[key] = value.value;
    else computed = true; // an SQL expression or a column: only the database knows the result
  }
  if (!computed) return before.map((row) => ({ ...row, ...plain }));
  return orElse(
    () => andThen(rowsById(scope, reg, before.map((row) => row[reg.idKey])), (byId) => before.map((row) => byId.get(String(row[reg.idKey])) ?? { ...row, ...plain })),
    before.map((row) => ({ ...row, ...plain })),
  );
}

const entry = (reg: Registration, type: ChangeInput["type"], after: Row | undefined, before: Row | undefined): ChangeInput => {
  const change: ChangeInput = { type, objectId: String((after ?? before)![reg.idKey]) };
  if (after) change.object = jsonImage(after);
  if (before) change.previousObject = jsonImage(before);
  return change;
};

/**
 * The changes of one executed write. `before` is what `captureBefore` read (update/delete only);
 * `result` and `mode` are the driver's answer and how the statement was run.
 */
export function changesOf(
  kind: WriteKind,
  scope: Scope,
  reg: Registration,
  config: WriteConfig,
  before: Row[] | undefined,
  result: unknown,
  mode: ExecMode,
): Maybe<ChangeInput[]> {
  const { rows, count } = outcomeOf(result, mode, Boolean(config.returning));
  if (rows?.length === 0 || count === 0) return [];
  const rowsUnknown = (): ChangeInput[] => [coarse(kind === "insert" ? "create" : kind)];
  if (kind === "insert") {
    if (!rows) return rowsUnknown();
    return andThen(fullImages(scope, reg, rows), (images) => (images ? images.map((row) => entry(reg, "create", row, undefined)) : rowsUnknown()));
  }
  // A statement without WHERE touches the whole table: no pre-read of every row (Covara 0.16 recorded nothing).
  if (!config.where) return rowsUnknown();
  const prior = new Map((before ?? []).map((row) => [String(row[reg.idKey]), row]));
  if (kind === "delete") {
    const gone = rows?.every((row) => row[reg.idKey] !== undefined) ? rows : before;
    if (!gone) return rowsUnknown();
    return gone.map((row) => {
      const id = String(row[reg.idKey]);
      return entry(reg, "delete", undefined, prior.get(id) ?? row);
    });
  }
  if (rows) {
    return andThen(fullImages(scope, reg, rows), (images) => {
      if (images) return images.map((row) => entry(reg, "update", row, prior.get(String(row[reg.idKey]))));
      return before ? andThen(afterImages(scope, reg, before, config.set), (after) => after.map((row, i) => entry(reg, "update", row, before[i]))) : rowsUnknown();
    });
  }
  if (!before) return rowsUnknown();
  return andThen(afterImages(scope, reg, before, config.set), (after) => after.map((row, i) => entry(reg, "update", row, before[i])));
}
