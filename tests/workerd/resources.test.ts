/** The resource suites on Cloudflare D1, inside workerd: the same tests the Node databases run. */
import { env } from "cloudflare:workers";
import { beforeAll, describe } from "vitest";
import { resourceSuites } from "../resources/all.suites.js";
import { useAuthReadmeSuite } from "../auth/use-auth-readme.suite.js";
import { middlewareSuite } from "../resources/middleware.suite.js";
import { createD1Tables, d1Harness } from "./d1-harness.js";
import { createDurableObjectKV } from "../../durable-objects/index.js";

let kvStores = 0;

describe("d1", () => {
  const harness = d1Harness();
  beforeAll(createD1Tables);
  resourceSuites(() => harness);
  useAuthReadmeSuite(() => harness);
  // Rate limits and idempotency on the KV Durable Object: the counters every isolate shares.
  middlewareSuite(() => harness, { name: "durable-object KV", make: () => createDurableObjectKV(env.COVARA_KV, { prefix: `middleware-${++kvStores}` }) });
});
