/**
 * Value coercion per column kind (10-resources §5.2). The SQL compiler binds the coerced value and
 * the in-memory compiler compares against the same value, normalised exactly as the database
 * stores it (e.g. SQLite second-precision timestamps), which is what makes the two agree.
 * @module
 */
import { FilterParseError } from "../errors/problem.js";
import { isRsqlDate } from "./ast.js";
import type { RsqlScalar } from "./ast.js";
import type { ColumnProfile } from "./columns.js";
import { formatNumber } from "./text.js";

const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d+)?|\.\d+)$/;
const INTEGER_TEXT = /^[+-]?\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 86_400_000;

/** Renders a value for an error message. */
export function describe(value: RsqlScalar): string {
  if (isRsqlDate(value)) return JSON.stringify(value.text);
  return typeof value === "string" ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : String(value);
}

function invalid(field: string, value: RsqlScalar, expected: string, position?: number): never {
  throw new FilterParseError(`Invalid value for ${field}: ${describe(value)} is not ${expected}`, {
    field,
    ...(position === undefined ? {} : { position }),
  });
}

/** The string form of a value for text columns: numbers as written in RSQL, dates as their literal. */
export function textOf(value: Exclude<RsqlScalar, null>): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  return value.text;
}

/** Reads `true`/`false`/`1`/`0`/`"true"`/`"false"`/`"1"`/`"0"` (any case); anything else is `undefined`. */
export function booleanOf(value: unknown): boolean | undefined {
  if (value === true || value === 1) return true;
  if (value === false || value === 0) return false;
  if (typeof value === "string") {
    const lower = value.toLowerCase();
    if (lower === "true" || lower === "1") return true;
    if (lower === "false" || lower === "0") return false;
  }
  return undefined;
}

/** True when `uuid` is a canonical uuid that Postgres accepts as a `uuid` parameter. */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/**
 * Coerces a non-null RSQL value to the JavaScript value bound for `profile`'s column
 * (the column's own driver mapping then encodes it). Throws `FilterParseError` naming the field.
 */
export function coerce(profile: ColumnProfile, value: Exclude<RsqlScalar, null>, field: string, position?: number): unknown {
  switch (profile.kind) {
    case "number": {
      if (typeof value === "number") return value;
      if (typeof value === "boolean") return value ? 1 : 0;
      if (typeof value === "string" && NUMBER_TEXT.test(value.trim())) return Number(value.trim());
      return invalid(field, value, "a number", position);
    }
    case "bigint": {
      if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
      if (typeof value === "boolean") return value ? 1n : 0n;
      if (typeof value === "string" && INTEGER_TEXT.test(value.trim())) return BigInt(value.trim());
      return invalid(field, value, "an integer", position);
    }
    case "boolean": {
      const result = isRsqlDate(value) ? undefined : booleanOf(value);
      return result ?? invalid(field, value, "a boolean", position);
    }
    case "date": {
      if (isRsqlDate(value)) return value.date;
      if (typeof value === "number") return new Date(value);
      return invalid(field, value, "an ISO-8601 date (YYYY-MM-DD[THH:MM:SS[.mmm][Z|±HH:MM]])", position);
    }
    case "string": {
      const text = textOf(value);
      // Postgres prints uuids in lower case, so matching is case-insensitive there.
      return profile.pgUuid && isUuid(text) ? text.toLowerCase() : text;
    }
    case "other":
      return isRsqlDate(value) ? value.text : value;
    default:
      return value;
  }
}

/**
 * The in-memory comparison form of a coerced value. Dates become epoch milliseconds after a
 * round trip through the column's driver mapping, so a second-precision SQLite timestamp
 * compares with the truncated instant the database receives.
 */
export function memoryForm(profile: ColumnProfile, coerced: unknown): unknown {
  if (profile.kind !== "date" || !(coerced instanceof Date)) return coerced;
  let ms = coerced.getTime();
  const column = profile.column;
  if (column !== undefined) {
    const driver: unknown = column.mapToDriverValue(coerced);
    if (typeof driver === "number") {
      const back: unknown = column.mapFromDriverValue(driver);
      if (back instanceof Date) ms = back.getTime();
    }
  }
  return profile.dateOnly ? Math.floor(ms / DAY_MS) * DAY_MS : ms;
}

/**
 * Reads a row value into the comparison form of `profile`'s kind; `undefined` means NULL or a
 * value that cannot be compared (it then satisfies no comparison, like SQL NULL).
 */
export function rowReader(profile: ColumnProfile): (raw: unknown) => unknown {
  switch (profile.kind) {
    case "number":
      return (raw) => {
        if (typeof raw === "number") return raw;
        if (raw === null || raw === undefined) return undefined;
        const n = typeof raw === "boolean" ? Number(raw) : Number(raw as string);
        return Number.isNaN(n) ? undefined : n;
      };
    case "bigint":
      return (raw) => {
        if (typeof raw === "bigint") return raw;
        if (typeof raw === "number" && Number.isInteger(raw)) return BigInt(raw);
        if (typeof raw === "string" && INTEGER_TEXT.test(raw)) return BigInt(raw);
        return undefined;
      };
    case "boolean":
      return (raw) => (typeof raw === "boolean" ? raw : booleanOf(raw));
    case "date":
      return (raw) => {
        if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? undefined : raw.getTime();
        if (typeof raw === "number") return raw;
        if (typeof raw === "string") {
          const ms = Date.parse(raw);
          return Number.isNaN(ms) ? undefined : ms;
        }
        return undefined;
      };
    case "string":
      return (raw) => (typeof raw === "string" ? raw : raw === null || raw === undefined ? undefined : String(raw));
    default:
      return (raw) => (raw === null ? undefined : raw);
  }
}
