/**
 * `createMetricsCollector`: bounded in-memory rings of request, subscription and error metrics,
 * with the queries and summary the admin UI shows. Pass it as `observability({ metrics })`.
 * @module
 */

/** One finished request. */
export interface RequestMetrics {
  requestId: string;
  traceId: string;
  method: string;
  path: string;
  /** The resource that served it, when a resource route did. */
  resource?: string;
  /** list, get, count, create, update, replace or delete. */
  operation?: string;
  status: number;
  /** Milliseconds. */
  duration: number;
  /** Epoch ms at completion. */
  timestamp: number;
}

/** One subscription event (opened, closed, event delivered…), recorded by the realtime layer. */
export interface SubscriptionMetrics {
  resource: string;
  action: string;
  timestamp: number;
  [field: string]: unknown;
}

/** One request that ended in an error. */
export interface ErrorMetrics {
  requestId: string;
  traceId: string;
  method: string;
  path: string;
  status: number;
  message: string;
  code?: string;
  timestamp: number;
}

/** Hooks the observability middleware calls. */
export interface MetricsSink {
  onRequest?(metrics: RequestMetrics): void;
  onSubscription?(metrics: SubscriptionMetrics): void;
  onError?(metrics: ErrorMetrics): void;
}

/** Filter of `getRequestMetrics`. */
export interface RequestMetricsFilter {
  method?: string;
  path?: string;
  resource?: string;
  status?: number;
  /** Only requests that took at least this many ms. */
  minDuration?: number;
  /** Only requests completed at or after this epoch ms. */
  since?: number;
}

/** Summary of the requests held. */
export interface MetricsStats {
  total: number;
  avgDuration: number;
  /** Share of requests with status ≥ 400, 0..1. */
  errorRate: number;
  /** Requests completed in the last 60 s. */
  requestsPerMinute: number;
  p50: number;
  p95: number;
  p99: number;
  byStatus: Record<string, number>;
  subscriptions: number;
  errors: number;
}

/** Options of `createMetricsCollector`. */
export interface MetricsCollectorOptions {
  /** Per ring. Default 1000. */
  maxMetrics?: number;
  /** Only `"memory"` (the reference's `"kv"` mode is not implemented). */
  storage?: "memory";
  /** Clock in epoch ms (for `requestsPerMinute`). */
  now?: () => number;
}

/** A metrics collector. */
export interface MetricsCollector extends Required<MetricsSink> {
  record(metrics: RequestMetrics): void;
  getRecent(n?: number): RequestMetrics[];
  getByPath(path: string): RequestMetrics[];
  getSlow(thresholdMs: number): RequestMetrics[];
  getRequestMetrics(filter?: RequestMetricsFilter): RequestMetrics[];
  getSubscriptionMetrics(): SubscriptionMetrics[];
  getErrorMetrics(): ErrorMetrics[];
  getStats(): MetricsStats;
  clear(): void;
}

function ring<T>(max: number) {
  let items: T[] = [];
  return {
    push(item: T) {
      items.push(item);
      if (items.length > max) items.shift();
    },
    all: () => items.slice(),
    clear: () => void (items = []),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Creates a collector keeping the last `maxMetrics` of each kind.
 * @example
 * const metrics = createMetricsCollector();
 * const app = createCovara({ observability: { metrics } });
 * metrics.getStats().errorRate;
 */
export function createMetricsCollector(options: MetricsCollectorOptions = {}): MetricsCollector {
  const max = options.maxMetrics ?? 1000;
  if (!Number.isSafeInteger(max) || max <= 0) throw new TypeError("metrics: maxMetrics must be a positive integer");
  if (options.storage !== undefined && options.storage !== "memory") throw new TypeError('metrics: only storage "memory" is supported');
  const now = options.now ?? Date.now;
  const requests = ring<RequestMetrics>(max);
  const subscriptions = ring<SubscriptionMetrics>(max);
  const errors = ring<ErrorMetrics>(max);

  const query = (f: RequestMetricsFilter = {}) =>
    requests.all().filter(
      (m) =>
        (f.method === undefined || m.method === f.method.toUpperCase()) &&
        (f.path === undefined || m.path === f.path) &&
        (f.resource === undefined || m.resource === f.resource) &&
        (f.status === undefined || m.status === f.status) &&
        (f.minDuration === undefined || m.duration >= f.minDuration) &&
        (f.since === undefined || m.timestamp >= f.since),
    );

  const record = (m: RequestMetrics) => requests.push(m);
  return {
    record,
    onRequest: record,
    onSubscription: (m) => subscriptions.push(m),
    onError: (m) => errors.push(m),
    getRecent: (n = 10) => requests.all().slice(-n).reverse(),
    getByPath: (path) => query({ path }),
    getSlow: (thresholdMs) => requests.all().filter((m) => m.duration > thresholdMs),
    getRequestMetrics: query,
    getSubscriptionMetrics: () => subscriptions.all(),
    getErrorMetrics: () => errors.all(),
    getStats() {
      const all = requests.all();
      const durations = all.map((m) => m.duration).sort((a, b) => a - b);
      const byStatus: Record<string, number> = {};
      for (const m of all) byStatus[m.status] = (byStatus[m.status] ?? 0) + 1;
      const since = now() - 60_000;
      return {
        total: all.length,
        avgDuration: all.length ? durations.reduce((a, b) => a + b, 0) / all.length : 0,
        errorRate: all.length ? all.filter((m) => m.status >= 400).length / all.length : 0,
        requestsPerMinute: all.filter((m) => m.timestamp >= since).length,
        p50: percentile(durations, 50),
        p95: percentile(durations, 95),
        p99: percentile(durations, 99),
        byStatus,
        subscriptions: subscriptions.all().length,
        errors: errors.all().length,
      };
    },
    clear() {
      requests.clear();
      subscriptions.clear();
      errors.clear();
    },
  };
}
