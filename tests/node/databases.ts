/** Node harnesses for the resource suites: better-sqlite3 and libsql files, PostgreSQL (postgres-js) and PGlite. */
import Database from "better-sqlite3";
import { drizzle as drizzleBetter } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzleLibsql } from "drizzle-orm/libsql";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { createClient } from "@libsql/client";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PG_DDL, PG_RESET, pgBlog, pgPeople, SQLITE_DDL, SQLITE_RESET, sqliteBlog, sqlitePeople } from "../resources/schema.js";
import { queryCounter, type DbHarness } from "../resources/harness.js";

/** A harness factory: opens the database, returns the harness and a closer. */
export interface HarnessFactory {
  name: string;
  open(): Promise<{ harness: DbHarness; close(): Promise<void> }>;
}

const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), "covara-"));
  return { file: join(dir, "test.db"), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
};

const betterSqlite: HarnessFactory = {
  name: "better-sqlite3",
  async open() {
    const { file, cleanup } = tempFile();
    const sqlite = new Database(file);
    sqlite.pragma("foreign_keys = ON");
    for (const stmt of SQLITE_DDL) sqlite.exec(stmt);
    const counter = queryCounter();
    const harness: DbHarness = {
      name: "better-sqlite3",
      dialect: "sqlite",
      table: sqlitePeople,
      blog: sqliteBlog,
      db: drizzleBetter(sqlite, { logger: counter.logger }),
      countQueries: counter.countQueries,
      async reset() {
        sqlite.exec(SQLITE_RESET.join(";"));
      },
      async canaryExists() {
        return sqlite.prepare("SELECT name FROM sqlite_master WHERE name = 'canary'").get() !== undefined;
      },
    };
    return { harness, close: async () => { sqlite.close(); cleanup(); } };
  },
};

const libsql: HarnessFactory = {
  name: "libsql",
  async open() {
    const { file, cleanup } = tempFile();
    const client = createClient({ url: `file:${file}` });
    await client.execute("PRAGMA foreign_keys = ON");
    for (const stmt of SQLITE_DDL) await client.execute(stmt);
    const counter = queryCounter();
    const harness: DbHarness = {
      name: "libsql",
      dialect: "sqlite",
      table: sqlitePeople,
      blog: sqliteBlog,
      db: drizzleLibsql(client, { logger: counter.logger }),
      countQueries: counter.countQueries,
      async reset() {
        await client.executeMultiple(SQLITE_RESET.join(";"));
      },
      async canaryExists() {
        return (await client.execute("SELECT name FROM sqlite_master WHERE name = 'canary'")).rows.length === 1;
      },
    };
    return { harness, close: async () => { client.close(); cleanup(); } };
  },
};

function pgHarness(name: string, makeDb: (logger: { logQuery(): void }) => any, run: (sql: string) => Promise<unknown[]>): DbHarness {
  const counter = queryCounter();
  return {
    name,
    dialect: "postgres",
    table: pgPeople,
    blog: pgBlog,
    db: makeDb(counter.logger),
    countQueries: counter.countQueries,
    async reset() {
      await run(PG_RESET);
    },
    async canaryExists() {
      return (await run("SELECT 1 FROM information_schema.tables WHERE table_name = 'canary' AND table_schema = current_schema()")).length === 1;
    },
  };
}

const postgresJs: HarnessFactory = {
  name: "postgres-js",
  async open() {
    const url = process.env.DATABASE_URL!;
    const schema = `covara_t_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    for (const stmt of PG_DDL(schema)) await admin.unsafe(stmt);
    await admin.end();
    const client = postgres(url, { max: 4, onnotice: () => {}, connection: { search_path: schema } });
    const harness = pgHarness("postgres-js", (logger) => drizzlePostgres(client, { logger }), (sql) => client.unsafe(sql));
    return {
      harness,
      close: async () => {
        await client.unsafe(`DROP SCHEMA ${schema} CASCADE`);
        await client.end();
      },
    };
  },
};

const pglite: HarnessFactory = {
  name: "pglite",
  async open() {
    const client = new PGlite();
    for (const stmt of PG_DDL("covara_t")) await client.exec(stmt);
    await client.exec("SET search_path TO covara_t");
    const harness = pgHarness("pglite", (logger) => drizzlePglite(client, { logger }), async (sql) => (await client.query(sql)).rows);
    return { harness, close: () => client.close() };
  },
};

/** Every Node database; PostgreSQL joins whenever DATABASE_URL is set (always in CI). */
export const nodeDatabases: HarnessFactory[] = [betterSqlite, libsql, pglite, ...(process.env.DATABASE_URL ? [postgresJs] : [])];
