/**
 * `covara/cloudflare`: the Durable Object classes and the port implementations backed by them.
 * Never imports Redis or Node modules, so a Worker bundle that uses it stays small and portable.
 * @module
 */
export { KvStoreObject, KV_SWEEP_DELAY_MS, type KvObjectState } from "./kv-store.js";
/**
 * The KV Durable Object under the class name Covara apps already bind in wrangler.toml
 * (`class_name = "CovaraKVDurableObject"`): the same class as `KvStoreObject`.
 */
export { KvStoreObject as CovaraKVDurableObject } from "./kv-store.js";
export {
  createDurableObjectKV,
  DurableObjectKvStore,
  shardOf,
  type DurableObjectKvOptions,
  type KvObjectNamespace,
  type KvObjectStub,
} from "./kv-client.js";
export {
  ChangelogHub,
  ChangelogHubHandler,
  HUB_ORIGIN,
  type HubObjectState,
  type HubSocket,
} from "./changelog-hub.js";
export {
  createDurableObjectHub,
  DurableObjectHub,
  type DurableObjectHubOptions,
  type HubObjectNamespace,
  type HubObjectStub,
} from "./hub-client.js";
export { KvError, KV_LIMITS, type KvStore, type KvErrorCode } from "../src/ports/kv-store.js";
