/** The security suite, writes (spec 40 §9.5, §19): user B tries to change or create A's rows. */
import { describe } from "vitest";
import type { DbHarness } from "./harness.js";

export function securityWritesSuite(_getHarness: () => DbHarness) {
  describe("security: changing another user's rows", () => {});
}
