/**
 * `observabilityMiddleware` (spec 90 §B.6): request id, W3C trace id, a per-request child logger
 * carrying both, timing headers, slow-request and completion logs, and metrics hooks. Install it
 * first (`createCovara({ observability: true })` does) so every later log line and problem
 * carries the same ids.
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import type {} from "../../log/context.js"; // the `covaraLogger` context variable
import { getLogger, type Logger } from "../../log/logger.js";
import { setResponseHeaders } from "../headers.js";
import type { ErrorMetrics, MetricsSink, RequestMetrics } from "./metrics.js";
import { resolveRequestId } from "./request-id.js";
import { timingHeaders } from "./timing.js";
import { parseTraceparent } from "./trace.js";

declare module "hono" {
  interface ContextVariableMap {
    /** The resource serving this request (set by the resource router). */
    covaraResource: string;
    /** The resource operation (list, get, count, create, update, replace, delete). */
    covaraOperation: string;
  }
}

/** What `onSpan` receives when a request starts. */
export interface Span {
  requestId: string;
  traceId: string;
  /** The caller's span id from `traceparent`, when valid. */
  parentSpanId?: string;
  method: string;
  path: string;
  resource?: string;
  operation?: string;
}

/** Options of `observabilityMiddleware`. */
export interface ObservabilityConfig {
  /** Set `c.get("requestId")` and echo it. Default true. */
  enableRequestId?: boolean;
  /** `Server-Timing` / `X-Response-Time` headers. Default true. */
  enableTiming?: boolean;
  /** Log "Slow request" at warn above `slowQueryThresholdMs`. Default true. */
  enableSlowQueryLog?: boolean;
  /** Default 1000 ms. */
  slowQueryThresholdMs?: number;
  /** Default `x-request-id`. */
  requestIdHeader?: string;
  /** Default `traceparent`. */
  traceIdHeader?: string;
  /** Metrics hooks, e.g. a `createMetricsCollector()`. */
  metrics?: MetricsSink;
  onMetrics?(metrics: RequestMetrics): void;
  onSpan?(span: Span): void;
  /** Base of the per-request logger. Default `getLogger()` at request time. */
  logger?: Logger;
  /** Clock for durations, in ms. Default `performance.now()`. */
  now?: () => number;
}

/** Calls a user hook; a hook that throws is logged, never fails the request. */
function safely(logger: Logger, name: string, fn: (() => void) | undefined): void {
  if (!fn) return;
  try {
    fn();
  } catch (error) {
    logger.warn(`observability: ${name} hook failed`, { error });
  }
}

function errorMetrics(c: Context, base: Omit<ErrorMetrics, "message" | "code">): ErrorMetrics {
  const error = c.error as (Error & { code?: unknown }) | undefined;
  return { ...base, message: error?.message ?? `HTTP ${base.status}`, ...(typeof error?.code === "string" ? { code: error.code } : {}) };
}

/**
 * Request ids, trace ids, timing, logs and metrics for every request.
 * @example
 * const metrics = createMetricsCollector();
 * app.use("*", observabilityMiddleware({ metrics, slowQueryThresholdMs: 500 }));
 */
export function observabilityMiddleware(config: ObservabilityConfig = {}): MiddlewareHandler {
  const requestIdHeader = config.requestIdHeader ?? "x-request-id";
  const traceIdHeader = config.traceIdHeader ?? "traceparent";
  const threshold = config.slowQueryThresholdMs ?? 1000;
  const now = config.now ?? (() => performance.now());

  return async (c, next) => {
    const start = now();
    const requestId = resolveRequestId(c, requestIdHeader);
    const parent = parseTraceparent(c.req.header(traceIdHeader));
    const traceId = parent?.traceId ?? requestId;
    const logger = (config.logger ?? getLogger()).child({ requestId, traceId });
    if (config.enableRequestId !== false) c.set("requestId", requestId);
    c.set("traceId", traceId);
    c.set("covaraLogger", logger);
    const method = c.req.method;
    const path = c.req.path;
    safely(logger, "onSpan", config.onSpan && (() => config.onSpan!({ requestId, traceId, ...(parent ? { parentSpanId: parent.parentId } : {}), method, path })));

    await next();

    const duration = now() - start;
    const status = c.res.status;
    const headers: [string, string][] = config.enableRequestId !== false ? [["X-Request-Id", requestId]] : [];
    if (config.enableTiming !== false) headers.push(...timingHeaders(duration));
    setResponseHeaders(c, headers);

    const resource = c.get("covaraResource") as string | undefined;
    const operation = c.get("covaraOperation") as string | undefined;
    const metrics: RequestMetrics = { requestId, traceId, method, path, ...(resource ? { resource } : {}), ...(operation ? { operation } : {}), status, duration, timestamp: Date.now() };
    safely(logger, "metrics.onRequest", config.metrics?.onRequest && (() => config.metrics!.onRequest!(metrics)));
    safely(logger, "onMetrics", config.onMetrics && (() => config.onMetrics!(metrics)));
    if (status >= 500 || c.error) {
      const failure = errorMetrics(c, { requestId, traceId, method, path, status, timestamp: metrics.timestamp });
      safely(logger, "metrics.onError", config.metrics?.onError && (() => config.metrics!.onError!(failure)));
    }
    const fields = { method, path, status, duration: Math.round(duration * 10) / 10 };
    if (config.enableSlowQueryLog !== false && duration > threshold) logger.warn("Slow request", { ...fields, thresholdMs: threshold });
    if (method !== "GET" || status >= 400) logger.info("Request completed", fields);
  };
}

export { requestIdMiddleware, resolveRequestId, REQUEST_ID_PATTERN } from "./request-id.js";
export { timingMiddleware } from "./timing.js";
export { parseTraceparent, type TraceParent } from "./trace.js";
export {
  createMetricsCollector,
  type MetricsCollector,
  type MetricsCollectorOptions,
  type MetricsSink,
  type MetricsStats,
  type RequestMetrics,
  type RequestMetricsFilter,
  type SubscriptionMetrics,
  type ErrorMetrics,
} from "./metrics.js";
