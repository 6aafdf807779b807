/** Mutation tracking on Cloudflare D1, inside workerd: the suite the Node databases run. */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { beforeAll, describe } from "vitest";
import { queryCounter, type DbHarness } from "../resources/harness.js";
import { SQLITE_DDL, SQLITE_RESET, sqliteBlog, sqlitePeople } from "../resources/schema.js";
import { trackingSuite } from "../realtime/tracking.suite.js";

describe("d1", () => {
  const counter = queryCounter();
  const harness: DbHarness = {
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
  beforeAll(async () => {
    for (const stmt of SQLITE_DDL) await env.DB.prepare(stmt).run();
  });
  trackingSuite(() => harness);
});
