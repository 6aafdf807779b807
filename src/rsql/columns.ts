/**
 * What RSQL needs to know about a Drizzle column: which kind of value it holds and which SQL
 * quirks apply (Postgres integer widths, non-text "string" types, timestamp precision).
 * Profiles are derived from the column object alone, so the SQL and in-memory compilers share them.
 * @module
 */
import type { Column } from "drizzle-orm";

/** The value domain a comparison is evaluated in; `any` is the column-less in-memory mode (§5.2). */
export type ValueKind = "number" | "bigint" | "string" | "boolean" | "date" | "other" | "any";

/** Facts about one filterable column. */
export interface ColumnProfile {
  readonly kind: ValueKind;
  readonly column?: Column;
  /** A Postgres column whose SQL type is not text (enum, uuid, timestamp strings…): text operators cast it. */
  readonly pgCastText: boolean;
  /** A Postgres text column: ordering gets `COLLATE "C"` (code-point order, as SQLite BINARY). */
  readonly pgCollate: boolean;
  /** A Postgres uuid column: values are lower-cased and compared natively when they are valid uuids. */
  readonly pgUuid: boolean;
  /** Largest integer a Postgres integer column accepts as a parameter; others are cast to double. */
  readonly pgIntMax?: number;
  /** A Postgres `real` column: parameters above its range are cast to double. */
  readonly pgFloat4: boolean;
  /** Postgres `date` (no time of day): instants are truncated to the UTC day, as the database does. */
  readonly dateOnly: boolean;
}

/** The profile used when no columns are known (in-memory evaluation of §5.2). */
export const ANY_PROFILE: ColumnProfile = {
  kind: "any",
  pgCastText: false,
  pgCollate: false,
  pgUuid: false,
  pgFloat4: false,
  dateOnly: false,
};

const PG_TEXT = /^(text|varchar|character varying|char|character|citext|bpchar|name)\b/i;
const NUMERIC = /^(numeric|decimal)\b/i;
const INT_MAX: Record<string, number> = {
  smallint: 32767,
  smallserial: 32767,
  integer: 2147483647,
  serial: 2147483647,
  bigint: Number.MAX_SAFE_INTEGER,
  bigserial: Number.MAX_SAFE_INTEGER,
};

function sqlType(column: Column): string {
  try {
    return column.getSQLType().trim().toLowerCase();
  } catch {
    return "";
  }
}

/** Derives the profile of a Drizzle column. */
export function profileColumn(column: Column): ColumnProfile {
  const pg = column.columnType.startsWith("Pg");
  const type = sqlType(column);
  const base = { ...ANY_PROFILE, column };
  switch (column.dataType) {
    case "number":
      return {
        ...base,
        kind: "number",
        ...(pg && INT_MAX[type] !== undefined ? { pgIntMax: INT_MAX[type] } : {}),
        pgFloat4: pg && type === "real",
      };
    case "bigint":
      return { ...base, kind: "bigint" };
    case "boolean":
      return { ...base, kind: "boolean" };
    case "date":
      return { ...base, kind: "date", dateOnly: pg && type === "date" };
    case "string":
    case "custom": {
      // Drizzle reads numeric/decimal as strings; RSQL still compares them as numbers.
      if (NUMERIC.test(type)) return { ...base, kind: "number" };
      if (!pg) return column.dataType === "string" || /text|char|clob/.test(type) ? { ...base, kind: "string" } : { ...base, kind: "other" };
      if (PG_TEXT.test(type)) return { ...base, kind: "string", pgCollate: true };
      if (column.dataType === "custom") return { ...base, kind: "other" };
      return { ...base, kind: "string", pgCastText: true, pgUuid: type === "uuid" };
    }
    default:
      return { ...base, kind: "other" };
  }
}
