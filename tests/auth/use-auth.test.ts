/**
 * useAuth on Node: the shared suites on the memory KV (client IPs come from the socket, as
 * @hono/node-server exposes it). tests/workerd/auth-router.test.ts runs the same suites inside
 * workerd on the KV Durable Object.
 */
import { createMemoryKV } from "../../node-shim/memory/kv-store.js";
import { useAuthCoreSuite } from "./use-auth-core.suite.js";
import type { AuthTestRuntime } from "./use-auth-fixtures.js";

const node: AuthTestRuntime = {
  name: "node, memory KV",
  kv: () => createMemoryKV(),
  fromIp: (ip) => ({ headers: {}, env: { incoming: { socket: { remoteAddress: ip } } } }),
};

useAuthCoreSuite(node);
