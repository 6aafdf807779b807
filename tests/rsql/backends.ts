/**
 * One table, defined for SQLite and Postgres with the same property keys, on every backend the
 * RSQL parity tests run against: better-sqlite3 (temp file), @libsql/client (temp file), PGlite
 * (always) and a real PostgreSQL when DATABASE_URL is set (uniquely named table, dropped after).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createClient } from "@libsql/client";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { asc, getTableColumns, sql } from "drizzle-orm";
import type { Column, SQL } from "drizzle-orm";
import { drizzle as drizzleBetter } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzleLibsql } from "drizzle-orm/libsql";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { boolean, doublePrecision, integer as pgInteger, pgTable, text as pgText, timestamp } from "drizzle-orm/pg-core";
import { integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** A row as inserted; every column but `id` is nullable. */
export type ParityRow = {
  id: number;
  n: number | null;
  r: number | null;
  s: string | null;
  b: boolean | null;
  ts: Date | null;
};

export const sqliteItems = sqliteTable("rsql_parity", {
  id: integer("id").primaryKey(),
  n: integer("n"),
  r: real("r"),
  s: text("s"),
  b: integer("b", { mode: "boolean" }),
  ts: integer("ts", { mode: "timestamp_ms" }),
});

const SQLITE_DDL = "CREATE TABLE rsql_parity (id integer PRIMARY KEY, n integer, r real, s text, b integer, ts integer)";

function pgItems(name: string) {
  return pgTable(name, {
    id: pgInteger("id").primaryKey(),
    n: pgInteger("n"),
    r: doublePrecision("r"),
    s: pgText("s"),
    b: boolean("b"),
    ts: timestamp("ts", { withTimezone: true, precision: 3 }),
  });
}

/** One database holding the parity table. */
export interface Backend {
  name: string;
  dialect: "sqlite" | "postgres";
  columns: Record<string, Column>;
  /** Replaces the table's content. */
  reset(rows: readonly ParityRow[]): Promise<void>;
  /** Ids selected by `where`, ascending. */
  ids(where: SQL): Promise<number[]>;
  /** Every row as Drizzle returns it. */
  rows(): Promise<Record<string, unknown>[]>;
  /** Row count, to prove that hostile filters changed nothing. */
  count(): Promise<number>;
  close(): Promise<void>;
}

type AnyDb = {
  select: (...args: never[]) => unknown;
  delete: (table: never) => unknown;
  insert: (table: never) => unknown;
};

function backend(name: string, dialect: "sqlite" | "postgres", db: AnyDb, table: never, close: () => Promise<void>): Backend {
  // The drivers differ in their generic types only; the query builder surface used here is shared.
  const d = db as unknown as {
    select: (f?: unknown) => { from: (t: unknown) => { where: (w: SQL) => { orderBy: (o: SQL) => Promise<{ id: number }[]> }; orderBy: (o: SQL) => Promise<Record<string, unknown>[]> } };
    delete: (t: unknown) => Promise<unknown>;
    insert: (t: unknown) => { values: (v: unknown) => Promise<unknown> };
  };
  const t = table as unknown as { id: Column };
  return {
    name,
    dialect,
    columns: getTableColumns(table as never),
    async reset(rows) {
      await d.delete(table);
      if (rows.length > 0) await d.insert(table).values(rows);
    },
    async ids(where) {
      const found = await d.select({ id: t.id }).from(table).where(where).orderBy(asc(t.id));
      return found.map((r) => r.id);
    },
    rows: () => d.select().from(table).orderBy(asc(t.id)),
    async count() {
      return (await d.select().from(table).orderBy(asc(t.id))).length;
    },
    close,
  };
}

/** Opens every available backend with an empty parity table; `close` drops and closes them all. */
export async function openBackends(): Promise<{ backends: Backend[]; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "rsql-parity-"));
  const backends: Backend[] = [];

  const file = new Database(join(dir, "better.db"));
  file.exec(SQLITE_DDL);
  backends.push(backend("better-sqlite3", "sqlite", drizzleBetter(file) as never, sqliteItems as never, async () => void file.close()));

  const libsql = createClient({ url: `file:${join(dir, "libsql.db")}` });
  await libsql.execute(SQLITE_DDL);
  backends.push(backend("libsql", "sqlite", drizzleLibsql(libsql) as never, sqliteItems as never, async () => libsql.close()));

  const pgName = `rsql_parity_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const pgDdl = (t: string) =>
    `CREATE TABLE "${t}" (id integer PRIMARY KEY, n integer, r double precision, s text, b boolean, ts timestamp(3) with time zone)`;

  const lite = new PGlite();
  await lite.exec(pgDdl(pgName));
  backends.push(backend("pglite", "postgres", drizzlePglite(lite) as never, pgItems(pgName) as never, () => lite.close()));

  const url = process.env.DATABASE_URL;
  if (url) {
    const client = postgres(url, { max: 1, onnotice: () => {} });
    const db = drizzlePostgres(client);
    await db.execute(sql.raw(pgDdl(pgName)));
    backends.push(
      backend("postgres", "postgres", db as never, pgItems(pgName) as never, async () => {
        await db.execute(sql.raw(`DROP TABLE IF EXISTS "${pgName}"`));
        await client.end();
      }),
    );
  }

  return {
    backends,
    async close() {
      for (const b of backends) await b.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
