/** API keys on Node: memory store, KV over memory and over Redis (the same suite runs in workerd). */
import { apiKeysSuite } from "./api-keys.suite.js";
import { nodeKvs } from "./tokens.node-kvs.js";

apiKeysSuite(nodeKvs("apikeys"));
