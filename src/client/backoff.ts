/**
 * Reconnect delays (spec 80 §4.6, spec 20 §9): exponential backoff with "full jitter", capped,
 * retried forever. Jitter spreads the reconnect storm after a deploy cuts every stream at once.
 * @module
 */

/** Reconnect tuning; the defaults are the spec's. */
export interface ReconnectOptions {
  /** Base delay in ms (default 1000): attempt n waits up to `base × 2^n`. */
  baseDelayMs?: number;
  /** Cap of any delay in ms (default 30000). */
  maxDelayMs?: number;
  /** Random source in [0, 1) (default `Math.random`); inject for deterministic tests. */
  random?: () => number;
  /**
   * Reconnect when a stream shows no byte (event or heartbeat) for this long, in ms (default
   * 60000, three missed heartbeats at the server's 20 s default). 0 disables. Not applied with a
   * custom `EventSource`, which hides heartbeats.
   */
  stallTimeoutMs?: number;
}

/** `random() × min(max, base × 2^attempt)`; attempt starts at 0. */
export function reconnectDelay(attempt: number, options: ReconnectOptions = {}): number {
  const base = options.baseDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 30_000;
  // 2^attempt overflows to Infinity for huge attempts; min() keeps the cap.
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 52));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}
