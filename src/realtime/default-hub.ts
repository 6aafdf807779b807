/**
 * The process-wide (isolate-wide) default hub: what `trackMutations`, `recordExternalMutation`
 * and apps built without `realtime.hub` use. A thin README convenience like `setGlobalKV`: set
 * explicitly, else derived from the global KV when that store has a hub of its own (Redis, the
 * Durable Object KV), else an in-memory hub.
 * @module
 */
import { hasGlobalKV, getGlobalKV } from "../middleware/kv-context.js";
import { MemoryHub } from "./memory-hub.js";
import { HUB_FACTORY, type HubBackend } from "./types.js";

let explicit: HubBackend | undefined;
let derived: { from: unknown; hub: HubBackend } | undefined;
let memory: MemoryHub | undefined;

/** Sets the default hub. */
export function setGlobalHub(hub: HubBackend): void {
  explicit = hub;
}

/** Forgets the default hub (it is not closed). */
export function clearGlobalHub(): void {
  explicit = undefined;
  derived = undefined;
}

/** The hub a KV store brings along (Redis → Redis hub, Durable Object KV → hub objects), if any. */
export function hubOfStore(store: unknown): HubBackend | undefined {
  const factory = (store as { [HUB_FACTORY]?: () => HubBackend } | undefined)?.[HUB_FACTORY];
  return typeof factory === "function" ? factory.call(store) : undefined;
}

/** The default hub, resolved now: explicit, else the global KV's, else in memory. */
export function getGlobalHub(): HubBackend {
  if (explicit) return explicit;
  if (hasGlobalKV()) {
    const kv = getGlobalKV();
    if (derived?.from === kv) return derived.hub;
    const hub = hubOfStore(kv);
    if (hub) {
      derived = { from: kv, hub };
      return hub;
    }
  }
  return (memory ??= new MemoryHub());
}
