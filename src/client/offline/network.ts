/**
 * Connectivity, feature-detected (spec 80 §6.2): `navigator.onLine` for the starting value and
 * the global `online`/`offline` events where the runtime fires them (browsers, web workers).
 * React Native and Node have neither: apps report connectivity with `setOnlineStatus`.
 * @module
 */

type EventTargetLike = {
  addEventListener?: (type: string, listener: () => void) => void;
  removeEventListener?: (type: string, listener: () => void) => void;
};

/** `navigator.onLine` when the runtime has it, else true. */
export function initialOnline(): boolean {
  try {
    const onLine = (globalThis as { navigator?: { onLine?: unknown } }).navigator?.onLine;
    return typeof onLine === "boolean" ? onLine : true;
  } catch {
    return true;
  }
}

/** Calls `onChange` on the global `online`/`offline` events; returns the function that stops listening. */
export function watchConnectivity(onChange: (online: boolean) => void): () => void {
  const target = globalThis as EventTargetLike;
  if (typeof target.addEventListener !== "function" || typeof target.removeEventListener !== "function") return () => undefined;
  const online = () => onChange(true);
  const offline = () => onChange(false);
  target.addEventListener("online", online);
  target.addEventListener("offline", offline);
  return () => {
    target.removeEventListener?.("online", online);
    target.removeEventListener?.("offline", offline);
  };
}

/** Lets a Node process exit while a timer is pending (a no-op where timers are numbers). */
export function unrefTimer<T>(timer: T): T {
  (timer as { unref?: () => void } | undefined)?.unref?.();
  return timer;
}
