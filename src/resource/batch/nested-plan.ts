/**
 * The inserts of a nested write as a plan: one step per row, in order (belongsTo parents, the
 * main row, then children), where a step may take a value from an earlier step's stored row.
 * Interactive drivers run the steps one by one in a transaction and copy returned keys; D1 and
 * better-sqlite3 get all steps as one atomic batch, with each key not known in advance read back
 * by a scalar subquery on the row just inserted.
 * @module
 */
import { sql, type Column, type SQL, type Table } from "drizzle-orm";
import type { WriteUnit } from "./write-unit.js";

type Row = Record<string, unknown>;

/** A value taken from an earlier step's stored row. */
export interface StepRef {
  step: number;
  /** Property key of the referenced column in that step's table. */
  key: string;
}

/** One row to insert. */
export interface PlanStep {
  table: Table;
  columns: Record<string, Column>;
  values: Row;
  /** Property keys filled from earlier steps. */
  refs: Record<string, StepRef>;
}

/** Runs the plan all or nothing and returns each step's stored row. */
export async function runPlan(unit: WriteUnit, steps: PlanStep[]): Promise<Row[]> {
  if (unit.atomic) {
    const stored: Row[] = [];
    for (const step of steps) {
      const values = { ...step.values };
      for (const [key, ref] of Object.entries(step.refs)) values[key] = stored[ref.step]![ref.key];
      const [row] = await unit.db.insert(step.table).values(values).returning();
      stored.push(row);
    }
    return stored;
  }
  const results = await unit.write((db) =>
    steps.map((step, index) => {
      const values: Row = { ...step.values };
      for (const [key, ref] of Object.entries(step.refs)) values[key] = readBack(steps, ref, index);
      return db.insert(step.table).values(values).returning();
    }),
  );
  return results.map((rows) => rows[0]!);
}

/**
 * The referenced value, read inside the same batch. SQLite gives a new row the largest rowid
 * (max + 1, or past `sqlite_sequence` with AUTOINCREMENT), so the row of step `ref.step` is the
 * one `k` places below the newest, `k` counting the later steps that inserted into its table.
 */
function readBack(steps: PlanStep[], ref: StepRef, index: number): SQL {
  const source = steps[ref.step]!;
  let later = 0;
  for (let i = ref.step + 1; i < index; i++) if (steps[i]!.table === source.table) later++;
  const column = source.columns[ref.key]!;
  return sql`(select ${column} from ${source.table} order by rowid desc limit 1 offset ${sql.raw(String(later))})`;
}

/** Fills a missing key from the column's `$defaultFn`, so it is known before the insert. */
export function presetKey(step: PlanStep, key: string): void {
  const column = step.columns[key] as Column & { defaultFn?: () => unknown };
  if (step.values[key] === undefined && column.defaultFn) {
    const value = column.defaultFn();
    // An SQL default is evaluated by the database: not known in advance.
    if (typeof value !== "object" || value === null || value instanceof Date || !("getSQL" in value)) step.values[key] = value;
  }
}

/** Sets `key` of `step` to the value of `ref`, binding it directly when that value is already known. */
export function linkStep(steps: PlanStep[], step: PlanStep, key: string, ref: StepRef): void {
  const source = steps[ref.step]!;
  presetKey(source, ref.key);
  const known = source.values[ref.key];
  if (known !== undefined && known !== null) {
    step.values[key] = known;
    delete step.refs[key];
  } else {
    delete step.values[key];
    step.refs[key] = ref;
  }
}
