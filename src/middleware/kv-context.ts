/**
 * Which KV store a request uses: the app's (`createCovara({ kv })` puts it on the context as
 * `c.get("kv")`), else the README's process-wide default (`setGlobalKV`). The global is a thin
 * convenience so the README's code works; framework code and tests pass stores explicitly.
 * @module
 */
import type { Context } from "hono";
import type { KvStore } from "../ports/kv-store.js";

declare module "hono" {
  interface ContextVariableMap {
    /** The app's KV store (`createCovara({ kv })`). */
    kv: KvStore;
  }
}

let globalKV: KvStore | undefined;

/**
 * Sets the process-wide (isolate-wide on Workers) default KV store, used by middleware when the
 * app was built without `kv`.
 * @example setGlobalKV(await createKV({ type: "redis", redis: { url } }))
 */
export function setGlobalKV(store: KvStore): void {
  globalKV = store;
}

/** The default KV store; throws when none was set (check with `hasGlobalKV()`). */
export function getGlobalKV(): KvStore {
  if (!globalKV) throw new Error("No global KV store: call setGlobalKV(store) or pass createCovara({ kv })");
  return globalKV;
}

/** Whether a default KV store was set. */
export function hasGlobalKV(): boolean {
  return globalKV !== undefined;
}

/** Forgets the default KV store (it is not closed). */
export function clearGlobalKV(): void {
  globalKV = undefined;
}

/** The request's KV store: the app's (`c.get("kv")`), else the global default, else undefined. */
export function kvFor(c: Context): KvStore | undefined {
  return (c.get("kv") as KvStore | undefined) ?? globalKV;
}
