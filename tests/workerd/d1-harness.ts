/** The D1 harness every workerd suite runner shares: the test tables on `env.DB`, reset between tests. */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { queryCounter, type DbHarness } from "../resources/harness.js";
import { SQLITE_DDL, SQLITE_RESET, sqliteBlog, sqlitePeople } from "../resources/schema.js";

/** A harness over this test file's D1 database (call `createD1Tables` in a `beforeAll`). */
export function d1Harness(): DbHarness {
  const counter = queryCounter();
  return {
    name: "d1",
    dialect: "sqlite",
    table: sqlitePeople,
    blog: sqliteBlog,
    db: drizzle(env.DB, { logger: counter.logger }),
    countQueries: counter.countQueries,
    async reset() {
      await env.DB.batch(SQLITE_RESET.map((stmt) => env.DB.prepare(stmt)));
    },
    async canaryExists() {
      return (await env.DB.prepare("SELECT name FROM sqlite_master WHERE name = 'canary'").all()).results.length === 1;
    },
  };
}

/** Creates the test tables (each workerd test file starts with an empty D1). */
export async function createD1Tables(): Promise<void> {
  for (const stmt of SQLITE_DDL) await env.DB.prepare(stmt).run();
}
