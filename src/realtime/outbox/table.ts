/**
 * The outbox table (`covara_outbox`) in the app's own database: one row per committed write
 * whose changes a remote hub has not confirmed yet. Created on first use with
 * `CREATE TABLE IF NOT EXISTS`, so apps need no migration for it.
 * @module
 */
import { asc, eq, sql, type SQL } from "drizzle-orm";
import { sqliteTable, text as sText, integer as sInteger } from "drizzle-orm/sqlite-core";
import type { Dialect } from "../../resource/model.js";

/** The outbox on SQLite and D1. */
export const sqliteOutbox = sqliteTable("covara_outbox", {
  id: sText("id").primaryKey(),
  resource: sText("resource").notNull(),
  changes: sText("changes").notNull(),
  createdAt: sInteger("created_at").notNull(),
});

/** One outbox row. */
export interface OutboxRow {
  id: string;
  resource: string;
  changes: string;
}

// Postgres goes through raw SQL: a Drizzle pg table here would put drizzle-orm/pg-core into
// every SQLite and D1 Worker bundle.
const rowsOf = (result: unknown): OutboxRow[] => (Array.isArray(result) ? result : (result as { rows: OutboxRow[] }).rows);

/** Inserts a row on `db` (a transaction handle inside one). */
export async function insertOutboxRow(db: any, dialect: Dialect, row: OutboxRow): Promise<void> {
  const createdAt = Date.now();
  if (dialect === "sqlite") await db.insert(sqliteOutbox).values({ ...row, createdAt });
  else await db.execute(sql`insert into covara_outbox (id, resource, changes, created_at) values (${row.id}, ${row.resource}, ${row.changes}, ${createdAt})`);
}

/** The oldest `limit` rows. */
export async function oldestOutboxRows(db: any, dialect: Dialect, limit: number): Promise<OutboxRow[]> {
  if (dialect === "sqlite") return db.select().from(sqliteOutbox).orderBy(asc(sqliteOutbox.createdAt), asc(sqliteOutbox.id)).limit(limit);
  return rowsOf(await db.execute(sql`select id, resource, changes from covara_outbox order by created_at, id limit ${limit}`));
}

/** Deletes a row. */
export async function deleteOutboxRow(db: any, dialect: Dialect, id: string): Promise<void> {
  if (dialect === "sqlite") await db.delete(sqliteOutbox).where(eq(sqliteOutbox.id, id));
  else await db.execute(sql`delete from covara_outbox where id = ${id}`);
}

/** Every row (tests and tooling). */
export function allOutboxRows(db: any, dialect: Dialect): Promise<OutboxRow[]> {
  return oldestOutboxRows(db, dialect, 1_000_000);
}

/** Empties the outbox (tests and tooling). */
export async function clearOutbox(db: any, dialect: Dialect): Promise<void> {
  if (dialect === "sqlite") await db.delete(sqliteOutbox);
  else await db.execute(sql`delete from covara_outbox`);
}

const DDL: Record<Dialect, SQL> = {
  sqlite: sql`create table if not exists covara_outbox (id text primary key, resource text not null, changes text not null, created_at integer not null)`,
  postgres: sql`create table if not exists covara_outbox (id text primary key, resource text not null, changes text not null, created_at bigint not null)`,
};

const created = new WeakMap<object, Promise<void>>();

/** Creates the outbox table once per database handle. */
export function ensureOutbox(db: any, dialect: Dialect): Promise<void> {
  let ready = created.get(db);
  if (!ready) {
    const statement = DDL[dialect];
    // better-sqlite3 answers `run` synchronously; the other drivers with a promise.
    ready = Promise.resolve().then(() => (dialect === "sqlite" ? db.run(statement) : db.execute(statement))).then(() => undefined);
    created.set(db, ready!);
    // A failed attempt (database down) is retried by the next write.
    ready!.catch(() => created.delete(db));
  }
  return ready!;
}
