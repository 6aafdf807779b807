/**
 * The per-request logger: the observability middleware puts a child logger carrying `requestId`
 * and `traceId` on the context, so every line a request writes can be correlated (traceparent
 * propagation) without any async-local storage, which Workers lack without nodejs_compat.
 * @module
 */
import type { Context } from "hono";
import { getLogger, type Logger } from "./logger.js";

declare module "hono" {
  interface ContextVariableMap {
    /** The request's logger (set by `observabilityMiddleware`); namespaced to avoid clashing with an app's own `logger`. */
    covaraLogger: Logger;
  }
}

/**
 * The request's logger when one was set, else the process-wide one.
 * @example loggerFor(c).info("order placed", { orderId })
 */
export function loggerFor(c: Context): Logger {
  return (c.get("covaraLogger") as Logger | undefined) ?? getLogger();
}
