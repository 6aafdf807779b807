/**
 * The aggregate query (spec 10 §7): one SELECT … GROUP BY … HAVING over scope ∧ filter ∧ not
 * deleted, and the `{ key, count, sum, avg, min, max }` groups made from its rows. min/max and
 * group keys are decoded through their column, so every database answers the same JSON.
 * @module
 */
import { count, sql, type Column, type SQL } from "drizzle-orm";
import { toJsonValue } from "../coerce.js";
import type { TableModel } from "../model.js";
import { compileHaving, type HavingTarget } from "./having.js";
import { AGGREGATE_KINDS, type AggregateKind, type AggregatePlan } from "./params.js";

/** One group of the response. */
export interface AggregateGroup {
  key: Record<string, unknown> | null;
  count?: number;
  sum?: Record<string, number>;
  avg?: Record<string, number>;
  min?: Record<string, unknown>;
  max?: Record<string, unknown>;
}

/** The SQL aggregate of `kind` over `column`, mapped back to a JS value. */
function aggregateOf(kind: AggregateKind, column: Column, dialect: TableModel["dialect"]): SQL {
  switch (kind) {
    // Postgres answers numeric/bigint sums and averages as strings; the spec wants numbers.
    case "sum":
      return sql`sum(${column})`.mapWith(Number);
    case "avg":
      return sql`avg(${column})`.mapWith(Number);
    case "min":
    case "max": {
      // Postgres has no min/max for booleans; bool_and/bool_or are the same thing.
      const fn = dialect === "postgres" && column.dataType === "boolean" ? (kind === "min" ? "bool_and" : "bool_or") : kind;
      // Postgres before 18 has no min/max for uuid; the canonical text sorts the same way.
      const operand = column.columnType === "PgUUID" ? sql`${column}::text` : sql`${column}`;
      return sql`${sql.raw(fn)}(${operand})`.mapWith(column);
    }
  }
}

/** Runs the aggregate query of `plan` and shapes its rows into groups. */
export async function runAggregate(db: any, model: TableModel, plan: AggregatePlan, where: SQL | undefined, having: string | undefined): Promise<AggregateGroup[]> {
  const { columns, table, dialect } = model;
  const groupColumns = plan.groupBy.map((key) => columns[key]!);
  // Positional aliases: property keys never collide with one another in SQL or in the row object.
  const fields: Record<string, SQL | Column> = { c: count() };
  const targets = new Map<string, HavingTarget>();
  plan.groupBy.forEach((key, i) => {
    fields[`g${i}`] = groupColumns[i]!;
    targets.set(key, { expression: groupColumns[i]!, column: groupColumns[i]! });
  });
  if (plan.count) targets.set("count", { expression: sql`count(*)` });
  for (const kind of AGGREGATE_KINDS) {
    plan.fields[kind]?.forEach((key, i) => {
      const column = columns[key]!;
      const expression = aggregateOf(kind, column, dialect);
      fields[`${kind}${i}`] = expression;
      // sum/avg are plain numbers; min/max keep their column's type for the compared value.
      targets.set(`${kind}_${key}`, kind === "sum" || kind === "avg" ? { expression } : { expression, column });
    });
  }

  let query = db.select(fields).from(table).where(where).$dynamic();
  if (groupColumns.length > 0) query = query.groupBy(...groupColumns);
  if (having !== undefined) query = query.having(compileHaving(having, targets, dialect));
  const rows: Record<string, unknown>[] = await query;
  return rows.map((row) => toGroup(row, plan));
}

function toGroup(row: Record<string, unknown>, plan: AggregatePlan): AggregateGroup {
  const group: AggregateGroup = {
    key: plan.groupBy.length === 0 ? null : Object.fromEntries(plan.groupBy.map((key, i) => [key, toJsonValue(row[`g${i}`] ?? null)])),
  };
  if (plan.count) group.count = Number(row.c ?? 0);
  for (const kind of AGGREGATE_KINDS) {
    const keys = plan.fields[kind];
    if (!keys) continue;
    const values: Record<string, unknown> = {};
    keys.forEach((key, i) => {
      const value = row[`${kind}${i}`];
      // A NULL aggregate (no non-NULL input) is left out of its map.
      if (value !== null && value !== undefined) values[key] = toJsonValue(value);
    });
    group[kind] = values as Record<string, number>;
  }
  return group;
}
