/**
 * Parity beyond the property test's table: Postgres uuid, enum, numeric, real, smallint, date,
 * varchar and string-mode timestamps (PGlite), and SQLite second-precision timestamps and numeric
 * (better-sqlite3). Each filter must run without a database error and agree with memory.
 */
import Database from "better-sqlite3";
import { PGlite } from "@electric-sql/pglite";
import { asc, getTableColumns, sql } from "drizzle-orm";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { bigint, date, integer, numeric, pgEnum, pgTable, real, smallint, text, timestamp, uuid, varchar } from "drizzle-orm/pg-core";
import { integer as sqliteInteger, numeric as sqliteNumeric, sqliteTable, text as sqliteText } from "drizzle-orm/sqlite-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRsql, toPredicate, toSql } from "../../src/rsql/index.js";

const mood = pgEnum("rsql_mood", ["sad", "ok", "happy"]);
const pgTypes = pgTable("rsql_types", {
  id: integer("id").primaryKey(),
  u: uuid("u"),
  m: mood("m"),
  num: numeric("num"),
  f4: real("f4"),
  small: smallint("small"),
  day: date("day", { mode: "date" }),
  v: varchar("v", { length: 20 }),
  tss: timestamp("tss", { mode: "string" }),
  big: bigint("big", { mode: "number" }),
  word: text("word"),
});

const PG_ROWS = [
  { id: 1, u: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", m: "happy" as const, num: "10.50", f4: 0.5, small: 7, day: new Date("2024-01-15T00:00:00Z"), v: "Apple", tss: "2024-01-15 10:00:00", big: 9_000_000_000, word: "x" },
  { id: 2, u: "b1eebc99-9c0b-4ef8-bb6d-6bb9bd380a12", m: "ok" as const, num: "2.25", f4: 1.25, small: -3, day: new Date("2024-01-16T00:00:00Z"), v: "banana", tss: "2023-12-31 23:59:59", big: -5, word: "y" },
  { id: 3, u: null, m: null, num: null, f4: null, small: null, day: null, v: null, tss: null, big: null, word: null },
  { id: 4, u: "00000000-0000-4000-8000-000000000000", m: "sad" as const, num: "0", f4: -2.5, small: 32767, day: new Date("2023-01-01T00:00:00Z"), v: "", tss: "2024-01-15 10:00:00.5", big: 0, word: "" },
];

const PG_FILTERS = [
  'u=="A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"', 'u=="not-a-uuid"', 'u!="zzz"', 'u=in=("x","b1eebc99-9c0b-4ef8-bb6d-6bb9bd380a12")',
  'u>"a"', 'u=contains="bc99"', "u=isempty=true", 'u=out=("00000000-0000-4000-8000-000000000000")',
  'm=="happy"', 'm=="nope"', 'm!="nope"', 'm=in=("ok","nope")', 'm>"ok"', 'm%="h%"', 'm=ieq="HAPPY"', "m=isempty=false", "m=length=2",
  "num>2.5", 'num=="10.50"', "num==10.5", "num=between=[1,100]", 'num<"3"',
  "f4>0.5", "f4==0.5", "f4<1000000000000000000000000000000000000000", "f4=in=(1.25,-2.5)",
  "small>40000", "small==2.5", "small<-40000", "small=in=(7,70000)", "small>=32767", "small=between=[-3.5,7.5]",
  'day=="2024-01-15"', 'day>"2024-01-15T10:00:00Z"', 'day<="2024-01-15T10:00:00Z"', 'day=between=["2023-06-01","2024-01-15"]',
  'v>"b"', 'v=ilike="A%"', 'v=istartswith="BAN"', "v=isempty=true", 'v<"banana"',
  'tss>"2024-01-01"', 'tss=="2024-01-15 10:00:00"', 'tss%="2024-01-15%"',
  "big>2.5", "big>=9000000000", "big<-4.5", 'big=="0"',
  'word=contains=""', 'word!=""', "word=isempty=true",
];

describe("column types on Postgres (PGlite)", () => {
  let client: PGlite;
  let db: ReturnType<typeof drizzlePglite>;
  let stored: Record<string, unknown>[];

  beforeAll(async () => {
    client = new PGlite();
    db = drizzlePglite(client);
    await client.exec(`
      CREATE TYPE rsql_mood AS ENUM ('sad', 'ok', 'happy');
      CREATE TABLE rsql_types (id integer PRIMARY KEY, u uuid, m rsql_mood, num numeric, f4 real, small smallint,
        day date, v varchar(20), tss timestamp, big bigint, word text);`);
    await db.insert(pgTypes).values(PG_ROWS);
    stored = await db.select().from(pgTypes).orderBy(asc(pgTypes.id));
  });
  afterAll(async () => {
    await client.close();
  });

  it.each(PG_FILTERS)("%s", async (filter) => {
    const node = parseRsql(filter)!;
    const columns = getTableColumns(pgTypes);
    const selected = await db.select({ id: pgTypes.id }).from(pgTypes).where(toSql(node, { dialect: "postgres", columns })).orderBy(asc(pgTypes.id));
    const matched = stored.filter(toPredicate(node, { columns })).map((r) => r.id);
    expect(selected.map((r) => r.id)).toEqual(matched);
  });

  it("matches regular expressions the same way for simple patterns", async () => {
    const columns = getTableColumns(pgTypes);
    for (const filter of ['v=regex="^[A-Z]"', 'v=iregex="^a"', 'v=iregex="AN{1,2}A"', 'v=regex="p{2}"', 'v=iregex="^[^a]"', 'v=regex="."']) {
      const node = parseRsql(filter)!;
      const selected = await db.select({ id: pgTypes.id }).from(pgTypes).where(toSql(node, { dialect: "postgres", columns })).orderBy(asc(pgTypes.id));
      const matched = stored.filter(toPredicate(node, { columns })).map((r) => r.id);
      expect({ filter, ids: selected.map((r) => r.id) }).toEqual({ filter, ids: matched });
    }
  });
});

const liteTypes = sqliteTable("rsql_types", {
  id: sqliteInteger("id").primaryKey(),
  secs: sqliteInteger("secs", { mode: "timestamp" }),
  num: sqliteNumeric("num"),
  e: sqliteText("e", { enum: ["sad", "ok", "happy"] }),
});

describe("column types on SQLite (better-sqlite3)", () => {
  const file = new Database(":memory:");
  const db = drizzleSqlite(file);
  let stored: Record<string, unknown>[];

  beforeAll(async () => {
    db.run(sql`CREATE TABLE rsql_types (id integer PRIMARY KEY, secs integer, num numeric, e text)`);
    await db.insert(liteTypes).values([
      { id: 1, secs: new Date("2000-01-01T00:00:10Z"), num: "10.5", e: "happy" },
      { id: 2, secs: new Date("2000-01-01T00:00:11Z"), num: "2", e: "ok" },
      { id: 3, secs: null, num: null, e: null },
    ]);
    stored = await db.select().from(liteTypes).orderBy(asc(liteTypes.id));
  });
  afterAll(() => file.close());

  it.each([
    'secs<"2000-01-01T00:00:10.500Z"', 'secs=="2000-01-01T00:00:10.500Z"', 'secs>"2000-01-01T00:00:10.999Z"',
    'secs=between=["2000-01-01T00:00:10.1Z","2000-01-01T00:00:10.2Z"]', "secs>946684810000",
    "num>2.5", 'num=="10.5"', "num=in=(2,3)", 'e=="happy"', 'e=="nope"', 'e>"ok"',
  ])("%s", async (filter) => {
    const node = parseRsql(filter)!;
    const columns = getTableColumns(liteTypes);
    const selected = await db.select({ id: liteTypes.id }).from(liteTypes).where(toSql(node, { dialect: "sqlite", columns })).orderBy(asc(liteTypes.id));
    const matched = stored.filter(toPredicate(node, { columns })).map((r) => r.id);
    expect(selected.map((r) => r.id)).toEqual(matched);
  });
});
