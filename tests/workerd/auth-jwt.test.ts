/**
 * JWT identity inside workerd (Web Crypto of the Workers runtime, no Node APIs in src/): the same
 * token, refresh and adapter suites as on Node, with refresh rotation on the memory store,
 * KV-on-memory and the KV Durable Object (`env.COVARA_KV`), where concurrent redemptions race
 * through real Durable Object calls. JWKS verification here uses a local key set.
 */
import { env } from "cloudflare:workers";
import { createDurableObjectKV } from "../../durable-objects/index.js";
import { MemoryKvStore } from "../../node-shim/memory/kv-store.js";
import { createKVRefreshStore, InMemoryRefreshTokenStore } from "../../src/auth/index.js";
import { jwtTokenSuite } from "../auth/jwt-tokens.suite.js";
import { jwtRefreshSuite } from "../auth/jwt-refresh.suite.js";
import { jwtAdapterSuite } from "../auth/jwt-adapter.suite.js";

let stores = 0;

jwtTokenSuite();
jwtRefreshSuite([
  { name: "InMemoryRefreshTokenStore", make: () => new InMemoryRefreshTokenStore() },
  { name: "KV on memory", make: () => createKVRefreshStore(new MemoryKvStore()) },
  { name: "KV on the Durable Object", make: () => createKVRefreshStore(createDurableObjectKV(env.COVARA_KV, { prefix: `jwt-${++stores}` })) },
]);
jwtAdapterSuite();
