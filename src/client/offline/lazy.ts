/**
 * The stand-in `createClient({ offline })` attaches at once while the offline code loads through
 * `import()` (a separate chunk, so apps without `offline` never ship it). It answers the
 * synchronous questions with "nothing queued yet", holds listeners and calls until the real
 * manager is there, then forwards everything to it. Kept tiny: it is in every client bundle.
 * @module
 */
import type { OfflineManager } from "./types.js";

type AnyFn = (...args: unknown[]) => unknown;

/** Answers before the manager has loaded (nothing can have been queued through it yet). */
const BEFORE_LOAD: Record<string, AnyFn> = {
  getPendingCount: () => 0,
  getIsOnline: () => true,
  isLeader: () => true,
  resolveId: (id) => id,
  hasPendingMutationsForId: () => false,
  getIdMappings: () => new Map(),
};

/** Methods that register a listener and return its remover. */
const LISTENERS = new Set(["subscribe", "onIdRemapped"]);

/** A manager that forwards to the one `load` resolves with. */
export function lazyOfflineManager(load: () => Promise<OfflineManager>): OfflineManager {
  let real: OfflineManager | undefined;
  const loaded = load().then((manager) => (real = manager));
  // A failed load surfaces through the first write; nothing else should throw unhandled.
  loaded.catch(() => undefined);
  const call = (manager: OfflineManager, name: string, args: unknown[]) => (manager[name as keyof OfflineManager] as AnyFn)(...args);

  return new Proxy({} as OfflineManager, {
    get(_, name) {
      if (typeof name !== "string" || name === "then") return undefined;
      if (real) {
        const value = real[name as keyof OfflineManager];
        return typeof value === "function" ? (value as AnyFn).bind(real) : value;
      }
      if (name === "ready") return loaded.then((manager) => manager.ready);
      if (BEFORE_LOAD[name]) return BEFORE_LOAD[name];
      if (LISTENERS.has(name)) {
        return (...args: unknown[]) => {
          let remove: AnyFn | undefined;
          let removed = false;
          void loaded.then((manager) => {
            if (!removed) remove = call(manager, name, args) as AnyFn;
          });
          return () => {
            removed = true;
            remove?.();
          };
        };
      }
      // Everything else waits for the manager; calls keep their order (one promise, then-order).
      return async (...args: unknown[]) => call(await loaded, name, args);
    },
  });
}
