/**
 * Loads planned includes for a page of rows (spec 10 §14.3): one `IN (…)` query per relation per
 * nesting level for the whole page, whatever the page size. A per-parent `limit`/`offset` stays a
 * single query too: rows are numbered per parent with `ROW_NUMBER() OVER (PARTITION BY key ORDER
 * BY id)` (SQLite ≥ 3.25 incl. D1, PostgreSQL) and filtered on that number, instead of the spec's
 * one query per parent. On D1 (100 bound parameters per statement) the IN list is chunked.
 * @module
 */
import { and, gt, inArray, lte, sql, type SQL } from "drizzle-orm";
import { toJsonValue } from "../coerce.js";
import { isD1 } from "../model.js";
import type { PlannedInclude } from "./plan.js";

type Row = Record<string, unknown>;

const KEY = "__covara_key";
const RANK = "__covara_rank";
/** D1's limit; elsewhere well below SQLite's default 32766 and Postgres' 65535. */
const MAX_PARAMS = { d1: 100, other: 30_000 };

/** A target row from the query, with the parent key it belongs to. */
interface Loaded {
  key: unknown;
  row: Row;
}

function paramCount(db: any, where: SQL | undefined): number {
  return where ? (db.dialect.sqlToQuery(where).params as unknown[]).length : 0;
}

function chunks<T>(values: T[], size: number): T[][] {
  if (values.length <= size) return [values];
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/**
 * SELECT of the target rows whose match column is in `values`, each tagged with that value. The
 * tag is read from the target's own column when the match column is one (no extra field, so
 * drizzle maps every cell on its fast path); a join-table key is selected next to the columns.
 */
async function queryChunk(db: any, plan: PlannedInclude, values: unknown[]): Promise<Loaded[]> {
  const { relation, where } = plan;
  const { columns, matchColumn: match, through } = relation;
  const keys = Object.keys(columns);
  const matchKey = through ? KEY : keys.find((k) => columns[k] === match)!;
  const condition = where ? and(inArray(match, values), where) : inArray(match, values);
  const from = (selection: Record<string, unknown>) => {
    const base = db.select(selection);
    if (!through) return base.from(relation.table);
    return base.from(through.table).innerJoin(relation.table, sql`${through.targetKey} = ${through.references}`);
  };
  let raw: Row[];
  if (plan.limit === undefined && plan.offset === 0) {
    raw = await from(through ? { ...columns, [KEY]: match } : columns).where(condition).orderBy(relation.idColumn);
  } else {
    const rank = sql<number>`row_number() over (partition by ${match} order by ${relation.idColumn})`.as(RANK);
    // Inside the subquery a join-table key could share a name with a target column: alias it.
    const fields = through ? { ...columns, [KEY]: sql`${match}`.mapWith(match).as(KEY), [RANK]: rank } : { ...columns, [RANK]: rank };
    const ranked = from(fields).where(condition).as("covara_ranked");
    const first = gt(ranked[RANK], plan.offset);
    const window = plan.limit === undefined ? first : and(first, lte(ranked[RANK], plan.offset + plan.limit));
    raw = await db.select().from(ranked).where(window).orderBy(ranked[matchKey], ranked[RANK]);
  }
  if (!through && plan.limit === undefined && plan.offset === 0) return raw.map((row) => ({ key: row[matchKey], row }));
  return raw.map((r) => {
    const row: Row = {};
    for (const key of keys) row[key] = r[key];
    return { key: r[matchKey], row };
  });
}

function presenter(plan: PlannedInclude): (row: Row) => Row {
  const { target, select } = plan;
  if (target) return (row) => target.present(row, select);
  const keys = Object.keys(plan.relation.columns);
  return (row) => {
    const out: Row = {};
    for (const key of select ?? keys) if (key in row) out[key] = toJsonValue(row[key]);
    return out;
  };
}

async function loadOne(db: any, plan: PlannedInclude, rows: Row[], bodies: Row[]): Promise<void> {
  const { relation } = plan;
  const toMany = relation.type === "hasMany" || relation.type === "manyToMany";
  const empty = () => (toMany ? [] : null);
  const values = new Map<string, unknown>();
  for (const row of rows) {
    const value = row[relation.parentKey];
    if (value !== null && value !== undefined) values.set(String(value), value);
  }
  if (plan.denied || values.size === 0) {
    for (const body of bodies) body[relation.name] = empty();
    return;
  }
  // Room for the IN list next to the scope's and filter's parameters and the two window bounds.
  const budget = isD1(db) ? MAX_PARAMS.d1 - paramCount(db, plan.where) - 2 : MAX_PARAMS.other;
  const loaded: Loaded[] = [];
  for (const chunk of chunks([...values.values()], Math.max(1, budget))) loaded.push(...(await queryChunk(db, plan, chunk)));

  const present = presenter(plan);
  const targetRows = loaded.map((l) => l.row);
  const targetBodies = targetRows.map(present);
  if (plan.children.length > 0) await loadLevel(db, plan.children, targetRows, targetBodies);

  const groups = new Map<string, Row[]>();
  loaded.forEach((l, i) => {
    const key = String(l.key);
    const group = groups.get(key);
    if (group) group.push(targetBodies[i]!);
    else groups.set(key, [targetBodies[i]!]);
  });
  rows.forEach((row, i) => {
    const value = row[relation.parentKey];
    const group = value === null || value === undefined ? undefined : groups.get(String(value));
    bodies[i]![relation.name] = toMany ? group ?? [] : group?.[0] ?? null;
  });
}

/**
 * Loads every planned relation for `rows` (full, unmasked rows) and attaches it to the matching
 * presented `bodies`, recursing into nested includes once per relation per level.
 */
export async function loadLevel(db: any, plans: PlannedInclude[], rows: Row[], bodies: Row[]): Promise<void> {
  // `present()` may hand back the stored row itself; relations go on a copy, never on the row.
  for (let i = 0; i < rows.length; i++) if (bodies[i] === rows[i]) bodies[i] = { ...rows[i] };
  for (const plan of plans) await loadOne(plan.target?.db ?? db, plan, rows, bodies);
}
