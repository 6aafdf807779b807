/** Every resource suite, in one list both runners (Node databases and D1 in workerd) call. */
import type { DbHarness } from "./harness.js";
import { crudSuite } from "./crud.suite.js";
import { querySuite } from "./query.suite.js";
import { appSuite } from "./app.suite.js";
import { scopeSuite } from "./scope.suite.js";
import { middlewareSuite } from "./middleware.suite.js";
import { aggregateSuite } from "./aggregate.suite.js";
import { proceduresSuite } from "./procedures.suite.js";
import { relationsSuite } from "./relations.suite.js";
import { batchSuite } from "./batch.suite.js";
import { batchUpsertSuite } from "./batch-upsert.suite.js";
import { nestedWritesSuite } from "./nested-writes.suite.js";
import { hooksSuite } from "./hooks.suite.js";
import { etagSuite } from "./etag.suite.js";
import { softDeleteSuite } from "./soft-delete.suite.js";
import { fieldsSuite } from "./fields.suite.js";
import { constraintsSuite } from "./constraints.suite.js";
import { securitySuite } from "./security.suite.js";
import { securityWritesSuite } from "./security-writes.suite.js";

const SUITES = [
  crudSuite,
  querySuite,
  appSuite,
  scopeSuite,
  middlewareSuite,
  aggregateSuite,
  proceduresSuite,
  relationsSuite,
  batchSuite,
  batchUpsertSuite,
  nestedWritesSuite,
  hooksSuite,
  etagSuite,
  softDeleteSuite,
  fieldsSuite,
  constraintsSuite,
  securitySuite,
  securityWritesSuite,
];

/** Registers every resource suite against one database. */
export function resourceSuites(getHarness: () => DbHarness): void {
  for (const suite of SUITES) suite(getHarness);
}
