/** The realtime suites on every Node database. */
import { afterAll, beforeAll, describe } from "vitest";
import type { DbHarness } from "../resources/harness.js";
import { subscribeSuite } from "../realtime/subscribe.suite.js";
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
    subscribeSuite(() => harness);
    trackingSuite(() => harness);
  });
}
