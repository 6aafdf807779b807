/** The realtime suites on every Node database. */
import { afterAll, beforeAll, describe } from "vitest";
import type { DbHarness } from "../resources/harness.js";
import { realtimeSuites } from "../realtime/all.suites.js";
import { churnSuite } from "../realtime/churn.suite.js";
import { createMemoryHub } from "../../src/realtime/memory-hub.js";
import { trackingSuite } from "../realtime/tracking.suite.js";
import { nodeDatabases } from "./databases.js";

for (const factory of nodeDatabases) {
  describe(factory.name, () => {
    let harness: DbHarness;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ harness, close } = await factory.open());
    });
    afterAll(() => close());
    realtimeSuites(() => harness);
    trackingSuite(() => harness);
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
