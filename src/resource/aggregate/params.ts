/**
 * `GET /aggregate` query parameters (spec 10 §7.1) checked against the resource's columns: only
 * readable columns may be grouped or aggregated, and sum/avg need numeric ones.
 * @module
 */
import type { Column } from "drizzle-orm";
import { ValidationError } from "../../errors/problem.js";

/** The aggregate functions that take a column. */
export type AggregateKind = "sum" | "avg" | "min" | "max";

/** Every aggregate kind, in output order. */
export const AGGREGATE_KINDS: readonly AggregateKind[] = ["sum", "avg", "min", "max"];

/** A validated aggregate request: property keys per kind. */
export interface AggregatePlan {
  groupBy: string[];
  count: boolean;
  /** Requested kinds only: an absent kind has no map in the output. */
  fields: Partial<Record<AggregateKind, string[]>>;
}

/** Columns whose values add up: numbers, bigints, and decimal columns mapped to strings. */
export function isNumericColumn(column: Column): boolean {
  return column.dataType === "number" || column.dataType === "bigint" || (column.dataType === "string" && /Numeric|Decimal/.test(column.columnType));
}

// JSON, arrays, blobs and custom types have no order every database agrees on.
const ORDERED_TYPES = new Set(["string", "number", "bigint", "date", "boolean"]);

/**
 * Splits a comma-separated key list, `undefined` when absent. An empty list or an empty element
 * (`sum=`, `sum=a,,b`) is a 400; duplicates collapse.
 */
function keyList(raw: string | undefined, param: string): string[] | undefined {
  if (raw === undefined) return undefined;
  const keys = raw.split(",").map((key) => key.trim());
  if (keys.some((key) => key === "")) throw new ValidationError(`Invalid ${param} parameter: expected comma-separated field names`, undefined, { parameter: param });
  return [...new Set(keys)];
}

/**
 * Validates the aggregate parameters. A masked column gets the same answer as a missing one, so
 * a caller cannot learn which hidden columns exist.
 */
export function parseAggregateParams(
  query: (name: string) => string | undefined,
  columns: Record<string, Column>,
  readable: ReadonlySet<string>,
): AggregatePlan {
  const known = (key: string) => Object.hasOwn(columns, key) && readable.has(key);
  const invalid = (param: string, key: string, why?: string) =>
    new ValidationError(`Invalid ${param} field: ${key}${why ? ` (${why})` : ""}`, [{ field: param, message: why ?? `Unknown field '${key}'` }], { parameter: param });

  const groupBy = keyList(query("groupBy"), "groupBy") ?? [];
  for (const key of groupBy) {
    if (!known(key)) throw invalid("groupBy", key);
    if (!ORDERED_TYPES.has(columns[key]!.dataType)) throw invalid("groupBy", key, "this column cannot be grouped");
  }

  const countParam = query("count");
  if (countParam !== undefined && countParam !== "true" && countParam !== "false") {
    throw new ValidationError("Invalid count parameter: expected true or false", undefined, { parameter: "count" });
  }

  const fields: AggregatePlan["fields"] = {};
  for (const kind of AGGREGATE_KINDS) {
    const keys = keyList(query(kind), kind);
    if (!keys) continue;
    for (const key of keys) {
      if (!known(key)) throw invalid(kind, key);
      const column = columns[key]!;
      if ((kind === "sum" || kind === "avg") && !isNumericColumn(column)) throw invalid(kind, key, "not a numeric column");
      if (!ORDERED_TYPES.has(column.dataType)) throw invalid(kind, key, "this column has no order");
    }
    fields[kind] = keys;
  }
  return { groupBy, count: countParam === "true", fields };
}
