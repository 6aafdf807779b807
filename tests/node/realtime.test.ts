/** The realtime suites on every Node database. */
import { afterAll, beforeAll, describe } from "vitest";
import type { DbHarness } from "../resources/harness.js";
import { subscribeSuite } from "../realtime/subscribe.suite.js";
import { aggregateSubscribeSuite } from "../realtime/aggregate-subscribe.suite.js";
import { multiplexSuite } from "../realtime/multiplex.suite.js";
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
    aggregateSubscribeSuite(() => harness);
    multiplexSuite(() => harness);
  });
}
