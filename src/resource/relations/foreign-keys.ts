/**
 * Reads a Drizzle table's single-column foreign keys without importing `drizzle-orm/pg-core` or
 * `drizzle-orm/sqlite-core`: drizzle keeps inline `.references()` under global symbols, and
 * `foreignKey()` builders come out of the table's extra-config callback, told apart by entity kind.
 * A SQLite Workers bundle therefore never pulls in pg-core.
 * @module
 */
import { entityKind, getTableColumns, type Column, type Table } from "drizzle-orm";

/** One single-column foreign key: `column` (on the table) references `foreignColumn` on `foreignTable`. */
export interface ForeignKeyRef {
  column: Column;
  foreignTable: Table;
  foreignColumn: Column;
}

interface Reference {
  columns: Column[];
  foreignTable: Table;
  foreignColumns: Column[];
}

const INLINE = [Symbol.for("drizzle:SQLiteInlineForeignKeys"), Symbol.for("drizzle:PgInlineForeignKeys")];
const EXTRA_BUILDER = Symbol.for("drizzle:ExtraConfigBuilder");
const EXTRA_COLUMNS = Symbol.for("drizzle:ExtraConfigColumns");
const FK_BUILDERS = new Set(["SQLiteForeignKeyBuilder", "PgForeignKeyBuilder"]);

const cache = new WeakMap<Table, ForeignKeyRef[]>();

function kindOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  return (value.constructor as unknown as Record<symbol, string | undefined>)[entityKind];
}

/** `foreignKey()` entries of the extra-config callback; a callback that throws contributes none. */
function extraReferences(table: Table): Reference[] {
  const builder = (table as unknown as Record<symbol, unknown>)[EXTRA_BUILDER];
  if (typeof builder !== "function") return [];
  try {
    const config = builder((table as unknown as Record<symbol, unknown>)[EXTRA_COLUMNS]);
    const entries: unknown[] = Array.isArray(config) ? config.flat(1) : Object.values(config ?? {});
    return entries.filter((e) => FK_BUILDERS.has(kindOf(e) ?? "")).map((e) => (e as { reference(): Reference }).reference());
  } catch {
    return [];
  }
}

/** The single-column foreign keys of a table (inline and `foreignKey()`), computed once per table. */
export function foreignKeysOf(table: Table): ForeignKeyRef[] {
  const known = cache.get(table);
  if (known) return known;
  const record = table as unknown as Record<symbol, { reference(): Reference }[] | undefined>;
  const inline = INLINE.flatMap((symbol) => record[symbol] ?? []).map((fk) => fk.reference());
  // Postgres extra-config columns are stand-ins: map them back to the table's columns by SQL name.
  const byName = new Map(Object.values(getTableColumns(table) as Record<string, Column>).map((c) => [c.name, c]));
  const refs: ForeignKeyRef[] = [];
  for (const ref of [...inline, ...extraReferences(table)]) {
    if (ref.columns.length !== 1 || ref.foreignColumns.length !== 1) continue;
    const column = byName.get(ref.columns[0]!.name);
    const foreignColumn = ref.foreignColumns[0]!;
    if (!column || refs.some((r) => r.column === column)) continue;
    refs.push({ column, foreignTable: ref.foreignTable, foreignColumn });
  }
  cache.set(table, refs);
  return refs;
}
