/**
 * Batch throughput: rows per second of `POST /batch` (create 100 rows) and `POST /batch/upsert`
 * (100 rows with ids, half updating the rows of the batch before, half new) through the real handler (`app.request` in
 * process), on better-sqlite3 (a file in a temp dir) and PostgreSQL (`DATABASE_URL`, skipped
 * when unset).
 *
 *   npx tsx bench/batch-bench.ts [--reps 5] [--requests 50]
 *
 * Each repetition sends `--requests` batches one after another on a freshly emptied table and
 * reports rows/s; the median and the range of the repetitions are printed. PostgreSQL runs in
 * its own schema, dropped at the end.
 */
import Database from "better-sqlite3";
import postgres from "postgres";
import { drizzle as drizzleBetter } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCovara } from "../src/index.js";
import { PG_DDL, pgPeople, SQLITE_DDL, sqlitePeople } from "../tests/resources/schema.js";

const args = process.argv.slice(2);
const argValue = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const reps = Number(argValue("--reps") ?? 5);
const requests = Number(argValue("--requests") ?? 50);
const ROWS = 100;

interface Target {
  name: string;
  app: ReturnType<typeof createCovara>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

const item = (i: number, id?: number) => ({
  ...(id === undefined ? {} : { id }),
  name: `person ${i}`,
  email: `p${i}@example.com`,
  role: i % 3 === 0 ? "admin" : "user",
  age: 20 + (i % 50),
  score: i / 7,
  active: i % 2 === 0,
  createdAt: "2024-01-01T00:00:00.000Z",
});

async function send(app: Target["app"], path: string, items: unknown[]): Promise<void> {
  const res = await app.request(path, { method: "POST", body: JSON.stringify({ items }), headers: { "content-type": "application/json" } });
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
}

/** rows/s of one repetition. */
async function run(target: Target, scenario: "create" | "upsert"): Promise<number> {
  await target.reset();
  // Upsert: batch r updates ids r*50+1…r*50+50 (written by the batch before) and inserts the next 50.
  const half = ROWS / 2;
  if (scenario === "upsert") await send(target.app, "/api/people/batch", Array.from({ length: half }, (_, i) => item(i, i + 1)));
  const started = performance.now();
  for (let r = 0; r < requests; r++) {
    if (scenario === "create") await send(target.app, "/api/people/batch", Array.from({ length: ROWS }, (_, i) => item(r * ROWS + i)));
    else await send(target.app, "/api/people/batch/upsert", Array.from({ length: ROWS }, (_, i) => item(r * half + i, r * half + i + 1)));
  }
  return (requests * ROWS) / ((performance.now() - started) / 1000);
}

function betterSqlite(): Target {
  const dir = mkdtempSync(join(tmpdir(), "covara-batch-bench-"));
  const sqlite = new Database(join(dir, "bench.db"));
  sqlite.pragma("journal_mode = WAL");
  for (const stmt of SQLITE_DDL) sqlite.exec(stmt);
  const db = drizzleBetter(sqlite);
  return {
    name: "better-sqlite3 (file, WAL)",
    app: createCovara().resource("/people", sqlitePeople, { id: sqlitePeople.id, db }),
    reset: async () => void sqlite.exec("DELETE FROM people; DELETE FROM sqlite_sequence"),
    close: async () => {
      sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresJs(url: string): Promise<Target> {
  const schema = `covara_bench_${process.pid}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  for (const stmt of PG_DDL(schema)) await admin.unsafe(stmt);
  await admin.end();
  const client = postgres(url, { max: 4, onnotice: () => {}, connection: { search_path: schema } });
  const db = drizzlePostgres(client);
  return {
    name: "PostgreSQL (postgres-js)",
    app: createCovara().resource("/people", pgPeople, { id: pgPeople.id, db }),
    reset: async () => void (await client.unsafe("TRUNCATE people RESTART IDENTITY")),
    close: async () => {
      await client.unsafe(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

async function main(): Promise<void> {
  const targets: Target[] = [betterSqlite()];
  if (process.env.DATABASE_URL) targets.push(await postgresJs(process.env.DATABASE_URL));
  else console.log("DATABASE_URL not set: PostgreSQL skipped");
  console.log(`${ROWS} rows per request, ${requests} requests per repetition, ${reps} repetitions (median [min–max] rows/s)`);
  for (const target of targets) {
    for (const scenario of ["create", "upsert"] as const) {
      await run(target, scenario); // warm-up: JIT, prepared statements, connections
      const figures: number[] = [];
      for (let r = 0; r < reps; r++) figures.push(await run(target, scenario));
      figures.sort((a, b) => a - b);
      const median = figures[Math.floor(figures.length / 2)]!;
      console.log(`${target.name.padEnd(28)} batch ${scenario.padEnd(7)} ${fmt(median).padStart(9)} rows/s  [${fmt(figures[0]!)}–${fmt(figures[figures.length - 1]!)}]`);
    }
    await target.close();
  }
}

await main();
