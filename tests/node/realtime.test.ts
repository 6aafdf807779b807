/** The realtime suites on every Node database. */
import { afterAll, beforeAll, describe } from "vitest";
import type { DbHarness } from "../resources/harness.js";
import { subscribeSuite } from "../realtime/subscribe.suite.js";
import { resumeEdgesSuite } from "../realtime/resume-edges.suite.js";
import { scopeRecheckSuite } from "../realtime/scope-recheck.suite.js";
import { outboxSuite } from "../realtime/outbox.suite.js";
import { churnSuite } from "../realtime/churn.suite.js";
import { createMemoryHub } from "../../src/realtime/memory-hub.js";
import { aggregateSubscribeSuite } from "../realtime/aggregate-subscribe.suite.js";
import { multiplexSuite } from "../realtime/multiplex.suite.js";
import { writePathsSuite } from "../realtime/write-paths.suite.js";
import { trackingSuite } from "../realtime/tracking.suite.js";
import { knownSetSuite } from "../realtime/known-set.suite.js";
import { nodeDatabases } from "./databases.js";

for (const factory of nodeDatabases) {
  describe(factory.name, () => {
    let harness: DbHarness;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ harness, close } = await factory.open());
    });
    afterAll(() => close());
    subscribeSuite(() => harness);
    resumeEdgesSuite(() => harness);
    scopeRecheckSuite(() => harness);
    outboxSuite(() => harness);
    aggregateSubscribeSuite(() => harness);
    multiplexSuite(() => harness);
    writePathsSuite(() => harness);
    trackingSuite(() => harness);
    knownSetSuite(() => harness);
  });
}

describe("churn on the memory hub (better-sqlite3, Postgres)", () => {
  for (const factory of nodeDatabases.filter((f) => f.name === "better-sqlite3" || f.name === "postgres-js")) {
    describe(factory.name, () => {
      let harness: DbHarness;
      let close: () => Promise<void>;
      beforeAll(async () => {
        ({ harness, close } = await factory.open());
      });
      afterAll(() => close());
      churnSuite("memory", () => harness, async () => ({ hub: createMemoryHub(), close: async () => {} }));
    });
  }
});
