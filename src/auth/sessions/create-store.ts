/** `createSessionStore({ type })`: one constructor for every built-in session store (spec 40 §6.1, §7). */
import type { KvStore } from "../../ports/kv-store.js";
import type { SessionStore } from "../types.js";
import { createDrizzleSessionStore, type DrizzleSessionStoreOptions } from "./drizzle-store.js";
import { createKVSessionStore, type KVSessionStoreOptions } from "./kv-store.js";
import { InMemorySessionStore, type InMemorySessionStoreOptions } from "./memory-store.js";

/** Which store to build, with that store's options. `"redis"` is Covara's name for a KV store on a Redis `KvStore`. */
export type SessionStoreConfig =
  | ({ type: "memory" } & InMemorySessionStoreOptions)
  | ({ type: "kv" | "redis" } & KVSessionStoreOptions)
  | ({ type: "drizzle" } & DrizzleSessionStoreOptions);

/**
 * Builds a built-in session store.
 * @example const store = createSessionStore({ type: "drizzle", db });
 */
export function createSessionStore(config: SessionStoreConfig): SessionStore {
  switch (config.type) {
    case "memory":
      return new InMemorySessionStore(config);
    case "kv":
    case "redis":
      if (!(config as { kv?: KvStore }).kv) throw new TypeError(`createSessionStore({ type: "${config.type}" }) needs a kv store`);
      return createKVSessionStore(config);
    case "drizzle":
      if (!config.db) throw new TypeError(`createSessionStore({ type: "drizzle" }) needs a db`);
      return createDrizzleSessionStore(config);
    default:
      throw new TypeError(`createSessionStore: unknown type ${JSON.stringify((config as { type?: unknown }).type)}`);
  }
}
