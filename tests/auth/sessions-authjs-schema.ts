/**
 * Auth.js's standard Drizzle tables (@auth/drizzle-adapter's default schema: `user`, `session`)
 * for SQLite/D1 and PostgreSQL, defined here for the tests, with their DDL.
 */
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { pgTable, text as pgText, timestamp } from "drizzle-orm/pg-core";

export const sqliteAuthJs = {
  users: sqliteTable("user", {
    id: text("id").primaryKey(),
    name: text("name"),
    email: text("email").unique(),
    emailVerified: integer("emailVerified", { mode: "timestamp_ms" }),
    image: text("image"),
  }),
  sessions: sqliteTable("session", {
    sessionToken: text("sessionToken").primaryKey(),
    userId: text("userId").notNull(),
    expires: integer("expires", { mode: "timestamp_ms" }).notNull(),
  }),
};

export const pgAuthJs = {
  users: pgTable("user", {
    id: pgText("id").primaryKey(),
    name: pgText("name"),
    email: pgText("email").unique(),
    emailVerified: timestamp("emailVerified", { mode: "date" }),
    image: pgText("image"),
  }),
  sessions: pgTable("session", {
    sessionToken: pgText("sessionToken").primaryKey(),
    userId: pgText("userId").notNull(),
    expires: timestamp("expires", { mode: "date" }).notNull(),
  }),
};

export const SQLITE_AUTHJS_DDL = [
  `CREATE TABLE IF NOT EXISTS "user" ("id" TEXT PRIMARY KEY NOT NULL, "name" TEXT, "email" TEXT UNIQUE, "emailVerified" INTEGER, "image" TEXT)`,
  `CREATE TABLE IF NOT EXISTS "session" ("sessionToken" TEXT PRIMARY KEY NOT NULL, "userId" TEXT NOT NULL REFERENCES "user"("id") ON DELETE CASCADE, "expires" INTEGER NOT NULL)`,
];

export const PG_AUTHJS_DDL = [
  `CREATE TABLE IF NOT EXISTS "user" ("id" TEXT PRIMARY KEY NOT NULL, "name" TEXT, "email" TEXT UNIQUE, "emailVerified" TIMESTAMP, "image" TEXT)`,
  `CREATE TABLE IF NOT EXISTS "session" ("sessionToken" TEXT PRIMARY KEY NOT NULL, "userId" TEXT NOT NULL REFERENCES "user"("id") ON DELETE CASCADE, "expires" TIMESTAMP NOT NULL)`,
];
