/** The resource suites on Cloudflare D1, inside workerd: the same tests the Node databases run. */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { beforeAll, describe } from "vitest";
import { appSuite } from "../resources/app.suite.js";
import { crudSuite } from "../resources/crud.suite.js";
import { queryCounter, type DbHarness } from "../resources/harness.js";
import { querySuite } from "../resources/query.suite.js";
import { scopeSuite } from "../resources/scope.suite.js";
import { middlewareSuite } from "../resources/middleware.suite.js";
import { aggregateSuite } from "../resources/aggregate.suite.js";
import { proceduresSuite } from "../resources/procedures.suite.js";
import { relationsSuite } from "../resources/relations.suite.js";
import { constraintsSuite } from "../resources/constraints.suite.js";
import { batchSuite } from "../resources/batch.suite.js";
import { batchUpsertSuite } from "../resources/batch-upsert.suite.js";
import { nestedWritesSuite } from "../resources/nested-writes.suite.js";
import { hooksSuite } from "../resources/hooks.suite.js";
import { etagSuite } from "../resources/etag.suite.js";
import { softDeleteSuite } from "../resources/soft-delete.suite.js";
import { fieldsSuite } from "../resources/fields.suite.js";
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
  crudSuite(() => harness);
  querySuite(() => harness);
  appSuite(() => harness);
  scopeSuite(() => harness);
  middlewareSuite(() => harness);
  aggregateSuite(() => harness);
  proceduresSuite(() => harness);
  relationsSuite(() => harness);
  batchSuite(() => harness);
  batchUpsertSuite(() => harness);
  nestedWritesSuite(() => harness);
  hooksSuite(() => harness);
  etagSuite(() => harness);
  softDeleteSuite(() => harness);
  fieldsSuite(() => harness);
  constraintsSuite(() => harness);
  // Rate limits and idempotency on the KV Durable Object: the counters every isolate shares.
  middlewareSuite(() => harness, { name: "durable-object KV", make: () => createDurableObjectKV(env.COVARA_KV, { prefix: `middleware-${++kvStores}` }) });
});
