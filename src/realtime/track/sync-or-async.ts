/**
 * Tracking runs on synchronous executors too (better-sqlite3's `.run()`/`.all()` inside its
 * synchronous transactions), so each step continues synchronously when its input is a plain
 * value and only becomes a promise when the driver returned one.
 * @module
 */

/** A value, or a promise of it. */
export type Maybe<T> = T | Promise<T>;

/** True for promises and other thenables (Drizzle queries included). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === "function";
}

/** `fn(value)`, now when `value` is plain, after it resolves when it is a promise. */
export function andThen<T, R>(value: Maybe<T>, fn: (value: T) => Maybe<R>): Maybe<R> {
  return isThenable(value) ? Promise.resolve(value).then(fn) : fn(value as T);
}

/** `fn()`, with a throw or a rejection turned into `fallback`. */
export function orElse<T>(fn: () => Maybe<T>, fallback: T): Maybe<T> {
  try {
    const value = fn();
    return isThenable(value) ? Promise.resolve(value).catch(() => fallback) : value;
  } catch {
    return fallback;
  }
}
