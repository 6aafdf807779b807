/**
 * Write-scope checks for scopes with relation paths (spec 40 §9.5, §9.6): such terms cannot run
 * in memory, so the candidate row is handed to the database as a one-row derived table named
 * like the resource's table, and the scope's SQL (whose `EXISTS` subqueries correlate to that
 * name) is evaluated against it. Works the same on SQLite, D1 and Postgres, inside the caller's
 * transaction when it passes its handle.
 * @module
 */
import { sql, type Column, type SQL } from "drizzle-orm";
import type { RsqlNode } from "../rsql/index.js";
import type { TableModel } from "./model.js";

/** True when any term of `node` is a dotted relation path. */
export function hasRelationPath(node: RsqlNode | null): boolean {
  if (!node) return false;
  if (node.type === "cmp") return node.path.length > 1;
  return node.children.some(hasRelationPath);
}

// Postgres has no `serial` type to cast to: those are integers with a sequence default.
const PG_CAST: Record<string, string> = { serial: "integer", bigserial: "bigint", smallserial: "smallint" };

/** `?` bound through the column's own encoder, typed on Postgres (parameters there have no type of their own). */
function value(model: TableModel, column: Column, raw: unknown): SQL {
  const param = raw === undefined || raw === null ? sql`null` : sql`${sql.param(raw, column)}`;
  if (model.dialect === "sqlite") return param;
  const type = column.getSQLType();
  return sql`cast(${param} as ${sql.raw(PG_CAST[type] ?? type)})`;
}

/**
 * Whether `row` (the row as it will be stored) satisfies `scope`, the compiled SQL of a scope on
 * `model`'s table. One SELECT on `db`.
 */
export async function rowSatisfiesSql(db: any, model: TableModel, scope: SQL, row: Record<string, unknown>): Promise<boolean> {
  const columns = model.keys.map((key) => {
    const column = model.columns[key]!;
    return sql`${value(model, column, row[key])} as ${sql.identifier(column.name)}`;
  });
  const derived = sql`(select ${sql.join(columns, sql`, `)}) as ${sql.identifier(model.name)}`;
  const found: unknown[] = await db.select({ ok: sql<number>`1` }).from(derived).where(scope).limit(1);
  return found.length > 0;
}
