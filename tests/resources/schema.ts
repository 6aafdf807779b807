/** The table every database runs the resource suite against, in both dialects, with its DDL. */
import { sqliteTable, text as sText, integer as sInteger, real } from "drizzle-orm/sqlite-core";
import { pgTable, serial, text as pText, integer as pInteger, doublePrecision, boolean as pBoolean, timestamp } from "drizzle-orm/pg-core";

export const sqlitePeople = sqliteTable("people", {
  id: sInteger("id").primaryKey({ autoIncrement: true }),
  name: sText("name").notNull(),
  email: sText("email").notNull(),
  role: sText("role").default("user"),
  age: sInteger("age"),
  score: real("score"),
  active: sInteger("active", { mode: "boolean" }).notNull().default(true),
  createdAt: sInteger("created_at", { mode: "timestamp_ms" }),
});

export const pgPeople = pgTable("people", {
  id: serial("id").primaryKey(),
  name: pText("name").notNull(),
  email: pText("email").notNull(),
  role: pText("role").default("user"),
  age: pInteger("age"),
  score: doublePrecision("score"),
  active: pBoolean("active").notNull().default(true),
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }),
});

export const SQLITE_DDL = [
  "DROP TABLE IF EXISTS people",
  "CREATE TABLE people (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, email TEXT NOT NULL, role TEXT DEFAULT 'user', age INTEGER, score REAL, active INTEGER NOT NULL DEFAULT 1, created_at INTEGER)",
  "CREATE TABLE IF NOT EXISTS canary (id INTEGER PRIMARY KEY)",
];

export const PG_DDL = (schema: string) => [
  `DROP SCHEMA IF EXISTS ${schema} CASCADE`,
  `CREATE SCHEMA ${schema}`,
  `CREATE TABLE ${schema}.people (id SERIAL PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, role TEXT DEFAULT 'user', age INTEGER, score DOUBLE PRECISION, active BOOLEAN NOT NULL DEFAULT TRUE, created_at TIMESTAMPTZ)`,
  `CREATE TABLE ${schema}.canary (id INTEGER PRIMARY KEY)`,
];
