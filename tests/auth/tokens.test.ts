/**
 * One-time token stores on Node: memory, KV over the memory backend and over Redis (REDIS_URL;
 * the Redis store is registered only when it is set). Workers: tests/workerd/auth-primitives.test.ts.
 */
import { nodeKvs } from "./tokens.node-kvs.js";
import { tokensSuite } from "./tokens.suite.js";

tokensSuite(nodeKvs("tokens"));
