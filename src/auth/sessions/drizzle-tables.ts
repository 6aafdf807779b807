/**
 * The `auth_sessions` table (spec 40 §8) for SQLite/D1 and PostgreSQL, and its DDL. Property keys
 * are the logical keys the Drizzle store reads (`id`, `userId`, `createdAt`, `expiresAt`, `data`);
 * SQL column names are snake_case. Times are epoch-ms integers on SQLite and `timestamptz` on
 * PostgreSQL; `data` is JSON text.
 * @module
 */
import { index as sqliteIndex, integer, sqliteTable, text as sqliteText } from "drizzle-orm/sqlite-core";
import { index as pgIndex, pgTable, text as pgText, timestamp } from "drizzle-orm/pg-core";

/** `auth_sessions` for SQLite and D1. */
export const sqliteAuthSessions = sqliteTable(
  "auth_sessions",
  {
    id: sqliteText("id").primaryKey(),
    userId: sqliteText("user_id").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    data: sqliteText("data"),
  },
  (t) => [sqliteIndex("auth_sessions_user_id_idx").on(t.userId), sqliteIndex("auth_sessions_expires_at_idx").on(t.expiresAt)],
);

/** `auth_sessions` for PostgreSQL (postgres-js, PGlite, Neon…). */
export const pgAuthSessions = pgTable(
  "auth_sessions",
  {
    id: pgText("id").primaryKey(),
    userId: pgText("user_id").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    data: pgText("data"),
  },
  (t) => [pgIndex("auth_sessions_user_id_idx").on(t.userId), pgIndex("auth_sessions_expires_at_idx").on(t.expiresAt)],
);

/** DDL creating `sqliteAuthSessions` (idempotent), one statement per entry. */
export const SQLITE_AUTH_SESSIONS_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS auth_sessions (id TEXT PRIMARY KEY NOT NULL, user_id TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, data TEXT)`,
  `CREATE INDEX IF NOT EXISTS auth_sessions_user_id_idx ON auth_sessions (user_id)`,
  `CREATE INDEX IF NOT EXISTS auth_sessions_expires_at_idx ON auth_sessions (expires_at)`,
];

/** DDL creating `pgAuthSessions` (idempotent), one statement per entry. */
export const PG_AUTH_SESSIONS_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS auth_sessions (id TEXT PRIMARY KEY NOT NULL, user_id TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ NOT NULL, data TEXT)`,
  `CREATE INDEX IF NOT EXISTS auth_sessions_user_id_idx ON auth_sessions (user_id)`,
  `CREATE INDEX IF NOT EXISTS auth_sessions_expires_at_idx ON auth_sessions (expires_at)`,
];
