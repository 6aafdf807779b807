/**
 * Comparison rules for in-memory evaluation without column metadata (10-resources §5.2): `==`
 * compares string forms, booleans accept `1`/`"true"`, ordering is numeric for two numbers, by
 * instant for dates and by code point otherwise. With columns known, `values.ts` rules apply instead.
 * @module
 */
import { isRsqlDate } from "./ast.js";
import { compareCodePoints, formatNumber } from "./text.js";
import { booleanOf } from "./values.js";

const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d+)?|\.\d+)$/;

/** The string form of a row or filter value. */
export function stringForm(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return formatNumber(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "" : value.toISOString();
  if (isRsqlDate(value)) return value.text;
  return String(value);
}

function instant(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  if (isRsqlDate(value)) return value.date.getTime();
  if (typeof value === "string") {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function sign(a: number | bigint, b: number | bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Loose equality of a non-null row value `a` and a filter value `v`. */
export function looseEquals(a: unknown, v: unknown): boolean {
  if (typeof v === "boolean") return booleanOf(a) === v;
  if (isRsqlDate(v)) {
    if (typeof a === "string" && a === v.text) return true;
    return instant(a) === v.date.getTime();
  }
  if (typeof v === "number") {
    if (typeof a === "number") return a === v;
    if (typeof a === "string" && NUMBER_TEXT.test(a)) return Number(a) === v;
  }
  if (typeof v === "string" && typeof a === "number" && NUMBER_TEXT.test(v)) return a === Number(v);
  return stringForm(a) === stringForm(v);
}

/** Loose ordering of a non-null row value `a` against `v`; `NaN` when they cannot be ordered. */
export function looseCompare(a: unknown, v: unknown): number {
  if (typeof a === "number" && typeof v === "number") return Number.isNaN(a) ? NaN : sign(a, v);
  if (typeof a === "bigint" && (typeof v === "number" || typeof v === "bigint")) return sign(a, v);
  if (isRsqlDate(v) || a instanceof Date) {
    const x = instant(a);
    const y = instant(v);
    if (x !== undefined && y !== undefined) return sign(x, y);
  }
  if (typeof a === "boolean" || typeof v === "boolean") {
    const x = booleanOf(a);
    const y = booleanOf(v);
    return x === undefined || y === undefined ? NaN : Number(x) - Number(y);
  }
  return compareCodePoints(stringForm(a), stringForm(v));
}
