/**
 * RSQL micro-benchmark: ops/s for parse + compile-to-SQL of a 10-clause filter (both dialects, and
 * with the SQL rendered to text as a driver would), and rows/s for a compiled 5-clause in-memory
 * predicate over 100k rows. Plain console output; each measurement runs for a fixed time budget.
 *
 *   npx tsx bench/rsql-bench.ts
 */
import { getTableColumns } from "drizzle-orm";
import { PgDialect, boolean, doublePrecision, integer as pgInteger, pgTable, text as pgText, timestamp } from "drizzle-orm/pg-core";
import { SQLiteSyncDialect, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { parseRsql, toPredicate, toSql } from "../src/rsql/index.js";

const liteTable = sqliteTable("items", {
  id: integer("id").primaryKey(),
  name: text("name"),
  status: text("status"),
  age: integer("age"),
  score: real("score"),
  active: integer("active", { mode: "boolean" }),
  createdAt: integer("created_at", { mode: "timestamp_ms" }),
});
const pgItems = pgTable("items", {
  id: pgInteger("id").primaryKey(),
  name: pgText("name"),
  status: pgText("status"),
  age: pgInteger("age"),
  score: doublePrecision("score"),
  active: boolean("active"),
  createdAt: timestamp("created_at", { withTimezone: true }),
});
const liteColumns = getTableColumns(liteTable);
const pgColumns = getTableColumns(pgItems);

const TEN_CLAUSES = [
  'status=in=("open","pending","review")',
  "age>=18",
  "age<65",
  'name=icontains="smith"',
  "score=between=[1.5,9.5]",
  "active==true",
  'createdAt>"2024-01-01T00:00:00Z"',
  '(name%="A%",name=startswith="B")',
  "id!=42",
  'status!="archived"',
].join(";");

const FIVE_CLAUSES = 'age>=18;status=in=("open","pending");name=icontains="an";score<8.5;active==true';

/** Runs `fn` repeatedly for about `ms` milliseconds and returns operations per second. */
function measure(fn: () => void, ms = 700): number {
  for (let i = 0; i < 200; i++) fn(); // warm-up
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 100; i++) fn();
    ops += 100;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

function report(label: string, opsPerSecond: number, unit = "ops/s"): void {
  console.log(`${label.padEnd(58)} ${Math.round(opsPerSecond).toLocaleString("en-US").padStart(12)} ${unit}`);
}

const liteDialect = new SQLiteSyncDialect();
const pgDialect = new PgDialect();
let sink: unknown;

console.log(`RSQL benchmark (node ${process.version})`);
console.log(`10-clause filter: ${TEN_CLAUSES}`);
report("parse only (10 clauses)", measure(() => (sink = parseRsql(TEN_CLAUSES))));
report("parse + toSql, sqlite (10 clauses)", measure(() => (sink = toSql(parseRsql(TEN_CLAUSES)!, { dialect: "sqlite", columns: liteColumns }))));
report("parse + toSql, postgres (10 clauses)", measure(() => (sink = toSql(parseRsql(TEN_CLAUSES)!, { dialect: "postgres", columns: pgColumns }))));
report(
  "parse + toSql + render SQL text, sqlite (10 clauses)",
  measure(() => (sink = liteDialect.sqlToQuery(toSql(parseRsql(TEN_CLAUSES)!, { dialect: "sqlite", columns: liteColumns })))),
);
report(
  "parse + toSql + render SQL text, postgres (10 clauses)",
  measure(() => (sink = pgDialect.sqlToQuery(toSql(parseRsql(TEN_CLAUSES)!, { dialect: "postgres", columns: pgColumns })))),
);
report("parse + toPredicate (10 clauses)", measure(() => (sink = toPredicate(parseRsql(TEN_CLAUSES), { columns: liteColumns }))));

// In-memory evaluation: rows shaped as Drizzle returns them.
const NAMES = ["Anna", "Brian", "Chen", "Dana", "Evan", "Fatima", "Goran", "Hana"];
const STATUSES = ["open", "pending", "review", "archived"];
const rows = Array.from({ length: 100_000 }, (_, i) => ({
  id: i,
  name: i % 17 === 0 ? null : `${NAMES[i % NAMES.length]} ${i}`,
  status: STATUSES[i % STATUSES.length],
  age: i % 90,
  score: (i % 100) / 10,
  active: i % 3 !== 0,
  createdAt: new Date(Date.UTC(2023, 0, 1) + i * 60_000),
}));
const predicate = toPredicate(parseRsql(FIVE_CLAUSES), { columns: liteColumns });
let matched = 0;
const passes = measure(() => {
  matched = 0;
  for (const row of rows) if (predicate(row)) matched++;
}, 2000);
console.log(`5-clause filter: ${FIVE_CLAUSES} (${matched} of ${rows.length} rows match)`);
report("in-memory predicate, rows evaluated (5 clauses, 100k rows)", passes * rows.length, "rows/s");
const loose = toPredicate(parseRsql(FIVE_CLAUSES));
report(
  "in-memory predicate without columns (§5.2 rules)",
  measure(() => {
    for (const row of rows) loose(row);
  }, 2000) * rows.length,
  "rows/s",
);
if (sink === undefined) console.log("");
