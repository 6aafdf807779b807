/** Mutation tracking on Cloudflare D1, inside workerd: the suite the Node databases run. */
import { beforeAll, describe } from "vitest";
import { trackingSuite } from "../realtime/tracking.suite.js";
import { createD1Tables, d1Harness } from "./d1-harness.js";

describe("d1", () => {
  const harness = d1Harness();
  beforeAll(createD1Tables);
  trackingSuite(() => harness);
});
