/** Applies `migrations/*.sql` (the same files wrangler applies to D1) to a better-sqlite3 file, once each. */
import type Database from "better-sqlite3";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Runs every migration file not yet recorded in `_covara_migrations`, in name order. */
export function applyMigrations(sqlite: Database.Database, dir: string): void {
  sqlite.exec("CREATE TABLE IF NOT EXISTS _covara_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)");
  const applied = new Set(sqlite.prepare("SELECT name FROM _covara_migrations").pluck().all() as string[]);
  for (const name of readdirSync(dir).filter((f) => f.endsWith(".sql")).sort()) {
    if (applied.has(name)) continue;
    sqlite.transaction(() => {
      sqlite.exec(readFileSync(join(dir, name), "utf8"));
      sqlite.prepare("INSERT INTO _covara_migrations (name, applied_at) VALUES (?, ?)").run(name, Date.now());
    })();
  }
}
