/**
 * A request's cancellation: the caller's `AbortSignal` and a timeout combined into one signal
 * (spec 80 §4.2), with `AbortSignal.any` where the runtime has it and a listener where not.
 * @module
 */

/** The error a timed-out request rejects with (`name === "TimeoutError"`). */
export function timeoutError(ms: number): Error {
  const message = `Request timed out after ${ms} ms`;
  // DOMException is what fetch uses for aborts; React Native may not have it.
  return typeof DOMException === "function" ? new DOMException(message, "TimeoutError") : Object.assign(new Error(message), { name: "TimeoutError" });
}

/** A combined signal and the cleanup that clears the timer and the listener. */
export interface Cancellation {
  signal: AbortSignal | undefined;
  done(): void;
}

/** Combines `signal` and `timeoutMs`; either one aborts the result. */
export function cancellation(signal: AbortSignal | undefined, timeoutMs: number | undefined): Cancellation {
  if (!timeoutMs || timeoutMs <= 0) return { signal, done() {} };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(timeoutError(timeoutMs)), timeoutMs);
  if (!signal) return { signal: controller.signal, done: () => clearTimeout(timer) };
  const any = (AbortSignal as { any?: (signals: AbortSignal[]) => AbortSignal }).any;
  if (typeof any === "function") return { signal: any([signal, controller.signal]), done: () => clearTimeout(timer) };
  const forward = () => controller.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener("abort", forward, { once: true });
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", forward);
    },
  };
}
