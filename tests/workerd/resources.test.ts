/** The resource suites on Cloudflare D1, inside workerd: the same tests the Node databases run. */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { beforeAll, describe } from "vitest";
import { queryCounter, type DbHarness } from "../resources/harness.js";
import { resourceSuites } from "../resources/all.suites.js";
import { useAuthReadmeSuite } from "../auth/use-auth-readme.suite.js";
import { middlewareSuite } from "../resources/middleware.suite.js";
import { SQLITE_DDL, SQLITE_RESET, sqliteBlog, sqlitePeople } from "../resources/schema.js";
import { createDurableObjectKV } from "../../durable-objects/index.js";

let kvStores = 0;

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
  resourceSuites(() => harness);
  useAuthReadmeSuite(() => harness);
  // Rate limits and idempotency on the KV Durable Object: the counters every isolate shares.
  middlewareSuite(() => harness, { name: "durable-object KV", make: () => createDurableObjectKV(env.COVARA_KV, { prefix: `middleware-${++kvStores}` }) });
});
