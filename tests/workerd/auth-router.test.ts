/**
 * useAuth inside workerd: the same suites as tests/auth/use-auth.test.ts, on the KV Durable
 * Object (`env.COVARA_KV`); client IPs come from CF-Connecting-IP, as on Cloudflare.
 */
import { env } from "cloudflare:workers";
import { createDurableObjectKV } from "../../durable-objects/index.js";
import { useAuthCoreSuite } from "../auth/use-auth-core.suite.js";
import { useAuthThrottleSuite } from "../auth/use-auth-throttle.suite.js";
import { useAuthCsrfSuite } from "../auth/use-auth-csrf.suite.js";
import { useAuthFlowsSuite } from "../auth/use-auth-flows.suite.js";
import { useAuthMfaSuite } from "../auth/use-auth-mfa.suite.js";
import type { AuthTestRuntime } from "../auth/use-auth-fixtures.js";

let namespaces = 0;
const workerd: AuthTestRuntime = {
  name: "workerd, Durable Object KV",
  kv: () => createDurableObjectKV(env.COVARA_KV, { prefix: `auth-router-${++namespaces}` }),
  fromIp: (ip) => ({ headers: { "cf-connecting-ip": ip } }),
};

useAuthCoreSuite(workerd);
useAuthThrottleSuite(workerd);
useAuthCsrfSuite(workerd);
useAuthFlowsSuite(workerd);
useAuthMfaSuite(workerd);
