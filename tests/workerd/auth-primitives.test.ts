/**
 * The auth primitives inside workerd: the same suites as tests/auth/*.test.ts, with the KV stores
 * on the `CovaraKVDurableObject` (one prefix per store, emptied afterwards) next to memory.
 */
import { env } from "cloudflare:workers";
import { createDurableObjectKV } from "../../durable-objects/index.js";
import { createMemoryKV } from "../../node-shim/memory/kv-store.js";
import { apiKeysSuite } from "../auth/api-keys.suite.js";
import { passwordsSuite } from "../auth/passwords.suite.js";
import { tokensSuite, type MakeKv } from "../auth/tokens.suite.js";
import { totpSuite } from "../auth/totp.suite.js";

let stores = 0;
const kvs: Record<string, MakeKv> = {
  memory: async () => ({ kv: createMemoryKV(), cleanup: async () => {} }),
  "durable object": async () => {
    const kv = createDurableObjectKV(env.COVARA_KV, { prefix: `auth-primitives-${++stores}` });
    return {
      kv,
      cleanup: async () => {
        for (let page = await kv.list(""); page.keys.length > 0; page = await kv.list("")) await Promise.all(page.keys.map((k) => kv.delete(k)));
      },
    };
  },
};

// Clocks are frozen between I/O in workerd, so timing assertions run on Node only.
passwordsSuite({ canTime: false });
totpSuite();
tokensSuite(kvs);
// scrypt runs ~10x slower under the test runner than in plain workerd (bench:password), so API
// keys run on the Durable Object KV only here; Node covers the KV store over memory.
apiKeysSuite({ "durable object": kvs["durable object"]! });
