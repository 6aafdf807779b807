/**
 * JSON ↔ column values: request bodies, path ids and cursor values arrive as JSON and are
 * turned into the JS type the Drizzle column maps (Date, bigint, boolean) before binding.
 * @module
 */
import type { Column } from "drizzle-orm";

/** Marker for a value that cannot be converted to the column's type. */
export const INVALID: unique symbol = Symbol("invalid");

const INTEGER_TYPES = /Integer|Serial|SmallInt|BigInt53|Int$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for integer-valued number columns (SQLite integer, Postgres integer/serial/…). */
export function isIntegerColumn(column: Column): boolean {
  return column.dataType === "number" && INTEGER_TYPES.test(column.columnType);
}

/** Converts a JSON value to the column's JS type; `INVALID` when it does not fit. `null` passes through. */
export function fromJson(column: Column, value: unknown): unknown {
  if (value === null) return null;
  switch (column.dataType) {
    case "string": {
      // Postgres numeric/decimal columns map to strings in JS but take JSON numbers too.
      if (typeof value === "number" && /Numeric|Decimal/.test(column.columnType) && Number.isFinite(value)) return String(value);
      if (typeof value !== "string") return INVALID;
      if (column.columnType === "PgUUID" && !UUID.test(value)) return INVALID;
      const allowed = (column as Column & { enumValues?: readonly string[] }).enumValues;
      if (allowed && allowed.length > 0 && !allowed.includes(value)) return INVALID;
      return value;
    }
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) return INVALID;
      return isIntegerColumn(column) && !Number.isSafeInteger(value) ? INVALID : value;
    case "boolean":
      return typeof value === "boolean" ? value : INVALID;
    case "date": {
      if (typeof value !== "string" && typeof value !== "number") return INVALID;
      const date = new Date(value);
      return Number.isNaN(date.getTime()) ? INVALID : date;
    }
    case "bigint": {
      const big = typeof value === "number" && Number.isSafeInteger(value) ? BigInt(value) : typeof value === "string" && /^-?\d{1,20}$/.test(value) ? BigInt(value) : null;
      // Anything outside int64 would only fail inside the database, as a 500.
      return big !== null && big >= INT64_MIN && big <= INT64_MAX ? big : INVALID;
    }
    case "array":
      return Array.isArray(value) ? value : INVALID;
    default:
      return value;
  }
}

/** Converts a path segment (or cursor) id to the id column's type; `INVALID` for ids that cannot exist. */
export function idFromPath(column: Column, raw: string): unknown {
  if (column.dataType === "number") {
    if (!/^-?\d+(\.\d+)?$/.test(raw)) return INVALID;
    return fromJson(column, Number(raw));
  }
  if (column.dataType === "bigint" || column.dataType === "string") return fromJson(column, raw);
  return INVALID;
}

/** A value for JSON output: Dates become ISO strings via JSON.stringify, bigints become strings. */
export function toJsonValue(value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/** Reads a cursor value back into the column's type (dates and bigints travel as strings). */
export function cursorValue(column: Column, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const converted = fromJson(column, value);
  return converted === INVALID ? value : converted;
}
