/**
 * `orderBy`, `select` and `limit` query parameters, and the keyset ORDER BY / next-page
 * predicate (spec 10 §6.2) with explicit NULL placement so SQLite and Postgres agree.
 * @module
 */
import { and, eq, gt, isNotNull, isNull, lt, or, sql, type Column, type SQL } from "drizzle-orm";
import { ValidationError } from "../errors/problem.js";
import { cursorValue } from "./coerce.js";
import type { CursorPosition } from "./cursor.js";

/** One sort key. */
export interface SortField {
  key: string;
  column: Column;
  /** What is sorted and compared: the column, or on Postgres text `column COLLATE "C"`. */
  expr: Column | SQL;
  descending: boolean;
}

/** Parses `f`, `f:asc`, `f:desc`, `+f`, `-f`, comma-separated. */
export function parseOrderBy(raw: string | undefined, columns: Record<string, Column>, sortable?: ReadonlySet<string>, dialect: "sqlite" | "postgres" = "sqlite"): SortField[] {
  if (!raw) return [];
  const fields: SortField[] = [];
  for (const part of raw.split(",")) {
    const term = part.trim();
    if (!term) continue;
    let [name = "", direction, ...extra] = term.split(":");
    if (extra.length > 0) throw orderByError(`Invalid orderBy term: ${term}`);
    const prefix = name[0] === "-" || name[0] === "+" ? name[0] : "";
    if (prefix) name = name.slice(1);
    if (prefix && direction !== undefined) throw orderByError(`Invalid orderBy term: ${term} (use a prefix or a suffix, not both)`);
    if (direction !== undefined && direction !== "asc" && direction !== "desc") throw orderByError(`Invalid orderBy direction: ${direction}`);
    const column = Object.hasOwn(columns, name) ? columns[name] : undefined;
    if (!column || (sortable && !sortable.has(name))) throw orderByError(`Invalid orderBy field: ${name}`);
    // Code-point order for text on every database, as RSQL comparisons use (SQLite's BINARY already is).
    const expr = dialect === "postgres" && /^Pg(Text|Varchar|Char)$/.test(column.columnType) ? sql`${column} collate "C"` : column;
    fields.push({ key: name, column, expr, descending: prefix === "-" || direction === "desc" });
  }
  return fields;
}

function orderByError(detail: string): ValidationError {
  return new ValidationError(detail, [{ field: "orderBy", message: detail }]);
}

/** Clamps `limit`: absent or non-numeric → default, < 1 → 1, > max → max. */
export function parseLimit(raw: string | undefined, defaultLimit: number, maxLimit: number): number {
  if (raw === undefined || !/^-?\d+$/.test(raw.trim())) return defaultLimit;
  const value = Number(raw);
  return value < 1 ? 1 : Math.min(value, maxLimit);
}

/** ORDER BY clauses: the requested fields, then the id ascending as tie-breaker. */
export function orderClauses(fields: SortField[], idColumn: Column, nullsLast: boolean): SQL[] {
  const clauses = fields.map(({ expr: column, descending }) =>
    // NULL sorts as the largest value when nullsLast (mirrored for descending fields).
    descending
      ? nullsLast ? sql`${column} desc nulls first` : sql`${column} desc nulls last`
      : nullsLast ? sql`${column} asc nulls last` : sql`${column} asc nulls first`,
  );
  clauses.push(sql`${idColumn} asc`);
  return clauses;
}

/** The predicate selecting rows strictly after the cursor position in the given order. */
export function afterCursor(fields: SortField[], idColumn: Column, idValue: unknown, position: CursorPosition, nullsLast: boolean): SQL {
  const values = fields.length > 0 && isRecord(position.v) ? position.v : {};
  const alternatives: SQL[] = [];
  const equalSoFar: SQL[] = [];
  for (const field of fields) {
    const value = cursorValue(field.column, values[field.key]);
    const after = strictlyAfter(field, value, nullsLast);
    if (after) alternatives.push(equalSoFar.length ? and(...equalSoFar, after)! : after);
    equalSoFar.push(value === null ? isNull(field.column) : eq(field.expr as SQL, value));
  }
  const idAfter = gt(idColumn, idValue);
  alternatives.push(equalSoFar.length ? and(...equalSoFar, idAfter)! : idAfter);
  return alternatives.length === 1 ? alternatives[0]! : or(...alternatives)!;
}

function strictlyAfter({ column, expr, descending }: SortField, value: unknown, nullsLast: boolean): SQL | undefined {
  // With nullsLast, NULL is the largest value: after it in ascending order comes nothing,
  // and in descending order every non-null value.
  const nullIsLarge = nullsLast;
  if (value === null) return descending === nullIsLarge ? isNotNull(column) : undefined;
  const beyond = descending ? lt(expr as SQL, value) : gt(expr as SQL, value);
  return descending !== nullIsLarge ? or(beyond, isNull(column)) : beyond;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
