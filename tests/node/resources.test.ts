/** The resource suites on every Node database. */
import { afterAll, beforeAll, describe } from "vitest";
import { crudSuite } from "../resources/crud.suite.js";
import { querySuite } from "../resources/query.suite.js";
import { appSuite } from "../resources/app.suite.js";
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
import type { DbHarness } from "../resources/harness.js";
import { nodeDatabases } from "./databases.js";

for (const factory of nodeDatabases) {
  describe(factory.name, () => {
    let harness: DbHarness;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ harness, close } = await factory.open());
    });
    afterAll(() => close());
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
  });
}
