/**
 * Routes registered only to answer 404 (a disabled capability's static segment, so `GET /:id`
 * never takes it for an id). They are not endpoints: the OpenAPI document leaves them out.
 * @module
 */
const NOT_SERVED = Symbol.for("covara.notServed");

/** Marks `handler` as a 404 placeholder. */
export function notServed<T extends object>(handler: T): T {
  (handler as Record<symbol, unknown>)[NOT_SERVED] = true;
  return handler;
}

/** Whether `handler` is a placeholder made by `notServed`. */
export function isNotServed(handler: unknown): boolean {
  return typeof handler === "function" && (handler as unknown as Record<symbol, unknown>)[NOT_SERVED] === true;
}
