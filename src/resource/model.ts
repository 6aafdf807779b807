/**
 * What the resource engine knows about a Drizzle table: its name, dialect, columns by
 * property key and primary key. Computed once when the resource is built, never per request.
 * @module
 */
import { getTableColumns, getTableName, entityKind, type Column, type Table } from "drizzle-orm";

/** SQL dialect family of a table / database. */
export type Dialect = "sqlite" | "postgres";

/** A table reduced to what routes, validation and queries need. */
export interface TableModel {
  table: Table;
  name: string;
  dialect: Dialect;
  columns: Record<string, Column>;
  keys: string[];
  idKey: string;
  idColumn: Column;
}

/** Resolves a column option given as a Drizzle column or a property-key string. */
export function columnKey(columns: Record<string, Column>, ref: Column | string, option: string): string {
  if (typeof ref === "string") {
    if (!(ref in columns)) throw new Error(`${option}: unknown column '${ref}'`);
    return ref;
  }
  for (const [key, column] of Object.entries(columns)) if (column === ref) return key;
  throw new Error(`${option}: the column does not belong to this table`);
}

/** Builds the model of a table for a resource whose primary key is `id`. */
export function tableModel(table: Table, id: Column | string): TableModel {
  const dialect: Dialect = hasKind(table, "SQLiteTable") ? "sqlite" : hasKind(table, "PgTable") ? "postgres" : unsupported(table);
  const columns = getTableColumns(table) as Record<string, Column>;
  const idKey = columnKey(columns, id, "id");
  return { table, name: getTableName(table), dialect, columns, keys: Object.keys(columns), idKey, idColumn: columns[idKey]! };
}

/**
 * `is(value, Class)` by entity-kind name, so checking for a Postgres table does not pull
 * `drizzle-orm/pg-core` into a SQLite-only Workers bundle.
 */
function hasKind(value: object, kind: string): boolean {
  for (let ctor = value.constructor as unknown; ctor; ctor = Object.getPrototypeOf(ctor)) {
    if ((ctor as Record<symbol, unknown>)[entityKind] === kind) return true;
  }
  return false;
}

function unsupported(table: Table): never {
  throw new Error(`Table ${getTableName(table)} is neither a SQLite nor a PostgreSQL Drizzle table`);
}

/** How the database runs multi-statement work. */
export type TransactionSupport = "interactive" | "batch-only" | "sync-only";

/** Detects D1 / Neon HTTP (batch only) and better-sqlite3 (synchronous transactions) from the Drizzle session. */
export function transactionSupport(db: unknown): TransactionSupport {
  const session = (db as { session?: object }).session;
  const kind = session ? String((session.constructor as unknown as Record<symbol, unknown>)[entityKind] ?? "") : "";
  if (kind === "SQLiteD1Session" || kind === "NeonHttpSession") return "batch-only";
  if (kind === "BetterSQLiteSession") return "sync-only";
  return "interactive";
}

/** True for a database whose statements take at most 100 bound parameters and 50-byte LIKE patterns (D1). */
export function isD1(db: unknown): boolean {
  const session = (db as { session?: object }).session;
  return session ? (session.constructor as unknown as Record<symbol, unknown>)[entityKind] === "SQLiteD1Session" : false;
}
