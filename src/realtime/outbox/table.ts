/**
 * The outbox table (`covara_outbox`) in the app's own database: one row per committed write
 * whose changes a remote hub has not confirmed yet. Created on first use with
 * `CREATE TABLE IF NOT EXISTS`, so apps need no migration for it.
 * @module
 */
import { sql, type SQL } from "drizzle-orm";
import { sqliteTable, text as sText, integer as sInteger } from "drizzle-orm/sqlite-core";
import { pgTable, text as pText, bigint } from "drizzle-orm/pg-core";
import type { Dialect } from "../../resource/model.js";

/** The outbox on SQLite and D1. */
export const sqliteOutbox = sqliteTable("covara_outbox", {
  id: sText("id").primaryKey(),
  resource: sText("resource").notNull(),
  changes: sText("changes").notNull(),
  createdAt: sInteger("created_at").notNull(),
});

/** The outbox on PostgreSQL. */
export const pgOutbox = pgTable("covara_outbox", {
  id: pText("id").primaryKey(),
  resource: pText("resource").notNull(),
  changes: pText("changes").notNull(),
  createdAt: bigint("created_at", { mode: "number" }).notNull(),
});

/** The outbox table of a dialect. */
export function outboxTable(dialect: Dialect): typeof sqliteOutbox | typeof pgOutbox {
  return dialect === "sqlite" ? sqliteOutbox : pgOutbox;
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
