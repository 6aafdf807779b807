/**
 * Prepared statements for the reads whose SQL never changes: one row by id, the count, and the
 * first page in id order, each under a where clause that is the same object for every request
 * (none, or the resource's soft-delete condition). Building a Drizzle query and preparing it in
 * SQLite costs more than running it for these one-row lookups; prepared once, a request only
 * binds its values. Only on SQLite files and libsql (D1 statements belong to their binding and
 * pay a network round trip anyway; PostgreSQL drivers prepare on their own).
 * @module
 */
import { and, count, eq, sql, type Column, type SQL } from "drizzle-orm";
import type { TableModel } from "./model.js";

type Row = Record<string, unknown>;

/** What Drizzle's prepared query offers: results, or promises of them on async drivers. */
interface Prepared<T> {
  all(values?: Record<string, unknown>): T[] | Promise<T[]>;
}

/** The prepared reads under one static where clause. */
export class PreparedReads {
  #byId: Prepared<Row> | undefined;
  #count: Prepared<{ count: unknown }> | undefined;
  #firstPage: Prepared<Row> | undefined;

  constructor(
    private readonly db: any,
    private readonly model: TableModel,
    private readonly where: SQL | undefined,
    private readonly order: SQL[],
  ) {}

  /** The row with primary key `id`, or undefined. */
  async byId(id: unknown): Promise<Row | undefined> {
    const { table, idColumn } = this.model;
    this.#byId ??= this.db
      .select()
      .from(table)
      .where(this.#and(eq(idColumn, sql.placeholder("id"))))
      .prepare();
    const rows = await this.#byId!.all({ id });
    return rows[0];
  }

  /** Rows under the where clause. */
  async count(): Promise<number> {
    this.#count ??= this.db.select({ count: count() }).from(this.model.table).where(this.where).prepare();
    const [result] = await this.#count!.all();
    return Number(result?.count ?? 0);
  }

  /** The first `limit` rows in the default (id) order. */
  async firstPage(limit: number): Promise<Row[]> {
    this.#firstPage ??= this.db
      .select()
      .from(this.model.table)
      .where(this.where)
      .orderBy(...this.order)
      .limit(sql.placeholder("limit"))
      .prepare();
    return this.#firstPage!.all({ limit });
  }

  #and(condition: SQL): SQL {
    return this.where ? and(condition, this.where)! : condition;
  }
}

/** Whether prepared statements pay on this database (see the module header). */
export function preparesReads(model: TableModel, d1: boolean): boolean {
  if (model.dialect !== "sqlite" || d1) return false;
  // Placeholders bind raw values: only ids whose driver value is the value itself.
  const id: Column = model.idColumn;
  return id.dataType === "number" || id.dataType === "string";
}
