/**
 * Which store a strategy uses when the app gave none (spec 40 §1 [dev]): the request's KV (the
 * app's `createCovara({ kv })`, else the global KV) when one exists, else one in-memory store.
 * Resolved per request, not at construction, because on Workers the global KV is usually set
 * inside the first request.
 * @module
 */
import type { Context } from "hono";
import type { KvStore } from "../../ports/kv-store.js";
import { getGlobalKV, hasGlobalKV, kvFor } from "../../middleware/kv-context.js";
import type { SessionStore } from "../types.js";
import { createKVSessionStore } from "./kv-store.js";
import { InMemorySessionStore } from "./memory-store.js";

/** Picks a session store per request; `current()` answers outside a request (e.g. "log out everywhere"). */
export interface StoreResolver {
  forRequest(c: Context): SessionStore;
  current(): SessionStore;
}

/** A resolver that always answers `store` when given, else the KV-or-memory default. */
export function storeResolver(store: SessionStore | undefined): StoreResolver {
  if (store) return { forRequest: () => store, current: () => store };
  const byKv = new WeakMap<KvStore, SessionStore>();
  let memory: SessionStore | undefined;
  let lastKv: KvStore | undefined;
  const pick = (kv: KvStore | undefined): SessionStore => {
    if (!kv) return (memory ??= new InMemorySessionStore());
    let kvStore = byKv.get(kv);
    if (!kvStore) byKv.set(kv, (kvStore = createKVSessionStore({ kv })));
    return kvStore;
  };
  return {
    forRequest(c) {
      const kv = kvFor(c);
      if (kv) lastKv = kv;
      return pick(kv);
    },
    current: () => pick(hasGlobalKV() ? getGlobalKV() : lastKv),
  };
}
