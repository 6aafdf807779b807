/**
 * Browser connectivity for live lists (spec 80 §7.1): the `online`/`offline` window events move a
 * list to `reconnecting`/`offline`. Feature-detected: React Native, Node and Workers have no such
 * events (there the offline manager's `setOnlineStatus` reports connectivity).
 * @module
 */

type Target = {
  addEventListener?: (type: string, fn: () => void) => void;
  removeEventListener?: (type: string, fn: () => void) => void;
  navigator?: { onLine?: boolean };
};

/** Calls `onChange(online)` on connectivity changes; `offline` is the state at start. */
export function watchConnectivity(onChange: (online: boolean) => void): { offline: boolean; stop(): void } {
  const target = globalThis as Target;
  const add = target.addEventListener;
  const remove = target.removeEventListener;
  if (typeof add !== "function" || typeof remove !== "function") return { offline: false, stop: () => undefined };
  const offline = () => onChange(false);
  const online = () => onChange(true);
  add.call(target, "offline", offline);
  add.call(target, "online", online);
  return {
    offline: target.navigator?.onLine === false,
    stop() {
      remove.call(target, "offline", offline);
      remove.call(target, "online", online);
    },
  };
}
