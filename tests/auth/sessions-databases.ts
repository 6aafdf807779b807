/** Node databases for the session suites: better-sqlite3, PGlite and PostgreSQL (DATABASE_URL), each with auth_sessions and Auth.js's tables. */
import Database from "better-sqlite3";
import { drizzle as drizzleBetter } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { PG_AUTH_SESSIONS_DDL, SQLITE_AUTH_SESSIONS_DDL, pgAuthSessions, sqliteAuthSessions } from "../../src/auth/sessions/drizzle-tables.js";
import { PG_AUTHJS_DDL, SQLITE_AUTHJS_DDL, pgAuthJs, sqliteAuthJs } from "./sessions-authjs-schema.js";

/** One open database with both schemas. */
export interface SessionsDatabase {
  name: string;
  db: any;
  sessionsTable: any;
  authjs: { users: any; sessions: any };
  close(): Promise<void>;
}

/** A way to open one. */
export interface SessionsDatabaseFactory {
  name: string;
  open(): Promise<SessionsDatabase>;
}

const betterSqlite: SessionsDatabaseFactory = {
  name: "better-sqlite3",
  async open() {
    const sqlite = new Database(":memory:");
    sqlite.pragma("foreign_keys = ON");
    for (const stmt of [...SQLITE_AUTH_SESSIONS_DDL, ...SQLITE_AUTHJS_DDL]) sqlite.exec(stmt);
    return { name: "better-sqlite3", db: drizzleBetter(sqlite), sessionsTable: sqliteAuthSessions, authjs: sqliteAuthJs, close: async () => void sqlite.close() };
  },
};

const pglite: SessionsDatabaseFactory = {
  name: "pglite",
  async open() {
    const client = new PGlite();
    for (const stmt of [...PG_AUTH_SESSIONS_DDL, ...PG_AUTHJS_DDL]) await client.exec(stmt);
    return { name: "pglite", db: drizzlePglite(client), sessionsTable: pgAuthSessions, authjs: pgAuthJs, close: () => client.close() };
  },
};

const postgresJs: SessionsDatabaseFactory = {
  name: "postgres-js",
  async open() {
    const url = process.env.DATABASE_URL!;
    const schema = `covara_sessions_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const client = postgres(url, { max: 4, onnotice: () => {}, connection: { search_path: schema } });
    for (const stmt of [...PG_AUTH_SESSIONS_DDL, ...PG_AUTHJS_DDL]) await client.unsafe(stmt);
    return {
      name: "postgres-js",
      db: drizzlePostgres(client),
      sessionsTable: pgAuthSessions,
      authjs: pgAuthJs,
      close: async () => {
        await client.unsafe(`DROP SCHEMA ${schema} CASCADE`);
        await client.end();
      },
    };
  },
};

/** Every Node database; PostgreSQL joins when DATABASE_URL is set. */
export const sessionDatabases: SessionsDatabaseFactory[] = [betterSqlite, pglite, ...(process.env.DATABASE_URL ? [postgresJs] : [])];
