/** Observability through HTTP: request ids, traceparent, per-request logger, timing, metrics hooks, the collector. */
import { describe, expect, it } from "vitest";
import { Hono } from "hono";
import {
  createCovara,
  createLogger,
  createMetricsCollector,
  loggerFor,
  NotFoundError,
  observabilityMiddleware,
  parseTraceparent,
  requestIdMiddleware,
  timingMiddleware,
  type LogRecord,
  type ObservabilityConfig,
  type RequestMetrics,
} from "../../src/index.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";

function capture() {
  const records: LogRecord[] = [];
  return { records, logger: createLogger({ level: "debug", sink: (r) => records.push(r) }) };
}

function appWith(config: ObservabilityConfig = {}) {
  const app = createCovara({ health: false, observability: config });
  app.get("/ids", (c) => c.json({ requestId: c.get("requestId"), traceId: c.get("traceId") }));
  app.get("/log", (c) => {
    loggerFor(c).info("inside", { step: 1 });
    return c.text("ok");
  });
  app.get("/missing", () => {
    throw new NotFoundError("things", "x");
  });
  app.get("/boom", () => {
    throw new Error("boom");
  });
  app.post("/things", (c) => c.json({ created: true }, 201));
  return app;
}

describe("request ids", () => {
  it("generates a UUID, stores it as c.get('requestId') and echoes it as X-Request-Id", async () => {
    const res = await appWith().request("/ids");
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await res.json()).requestId).toBe(id);
  });

  it("keeps a plain inbound id and replaces a malformed or over-long one", async () => {
    const app = appWith();
    expect((await app.request("/ids", { headers: { "x-request-id": "req-7f3a" } })).headers.get("x-request-id")).toBe("req-7f3a");
    for (const bad of ["bad id!", "x".repeat(129), "a\u00e9b"]) {
      const echoed = (await app.request("/ids", { headers: { "x-request-id": bad } })).headers.get("x-request-id");
      expect(echoed).not.toBe(bad);
      expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("makes a problem's requestId equal the echoed header (thrown errors and unmatched routes)", async () => {
    const app = appWith();
    for (const path of ["/missing", "/boom", "/no-such-route"]) {
      const res = await app.request(path);
      const body = await res.json();
      expect(body.requestId).toBe(res.headers.get("x-request-id"));
      expect(body.instance).toBe(`/requests/${body.requestId}`);
    }
  });

  it("uses a custom inbound header and can be turned off", async () => {
    const custom = await appWith({ requestIdHeader: "x-correlation-id" }).request("/ids", { headers: { "x-correlation-id": "corr-1" } });
    expect(custom.headers.get("x-request-id")).toBe("corr-1");
    const off = await appWith({ enableRequestId: false }).request("/ids");
    expect(off.headers.has("x-request-id")).toBe(false);
    expect((await off.json()).requestId).toBeUndefined();
  });
});

describe("traceparent", () => {
  it("takes the trace id of a valid traceparent, else falls back to the request id", async () => {
    const app = appWith();
    const valid = await (await app.request("/ids", { headers: { traceparent: `00-${TRACE}-${PARENT}-01` } })).json();
    expect(valid.traceId).toBe(TRACE);
    const malformed = [
      `00-${TRACE.toUpperCase()}-${PARENT}-01`,
      `00-${TRACE.slice(1)}-${PARENT}-01`,
      `ff-${TRACE}-${PARENT}-01`,
      `00-${"0".repeat(32)}-${PARENT}-01`,
      `00-${TRACE}-${"0".repeat(16)}-01`,
      `00-${TRACE}-${PARENT}-01-extra`,
      "garbage",
    ];
    for (const traceparent of malformed) {
      const body = await (await app.request("/ids", { headers: { traceparent } })).json();
      expect(body.traceId).toBe(body.requestId);
    }
  });

  it("parses versions above 00 with trailing fields, and reports the sampled flag", () => {
    expect(parseTraceparent(`01-${TRACE}-${PARENT}-00-future`)).toMatchObject({ traceId: TRACE, parentId: PARENT, sampled: false });
    expect(parseTraceparent(` 00-${TRACE}-${PARENT}-01 `)?.sampled).toBe(true);
    expect(parseTraceparent(undefined)).toBeNull();
    expect(parseTraceparent("")).toBeNull();
  });
});

describe("logs", () => {
  it("carries requestId and traceId on the handler's, the error handler's and the completion log lines", async () => {
    const { records, logger } = capture();
    const app = appWith({ logger });
    await app.request("/log", { headers: { traceparent: `00-${TRACE}-${PARENT}-01`, "x-request-id": "r1" } });
    await app.request("/boom", { headers: { traceparent: `00-${TRACE}-${PARENT}-01`, "x-request-id": "r2" } });
    await app.request("/things", { method: "POST", headers: { "x-request-id": "r3" } });
    expect(records.find((r) => r.msg === "inside")).toMatchObject({ level: "info", requestId: "r1", traceId: TRACE, step: 1 });
    expect(records.find((r) => r.msg === "request failed")).toMatchObject({ level: "error", requestId: "r2", traceId: TRACE, status: 500 });
    const completed = records.filter((r) => r.msg === "Request completed");
    expect(completed.map((r) => [r.requestId, r.method, r.status])).toEqual([
      ["r2", "GET", 500],
      ["r3", "POST", 201],
    ]);
    expect(completed[1]!.traceId).toBe("r3");
  });

  it("logs Slow request above the threshold, unless disabled", async () => {
    let t = 0;
    const now = () => (t += 600);
    const slow = capture();
    await appWith({ logger: slow.logger, now, slowQueryThresholdMs: 500 }).request("/ids");
    expect(slow.records.find((r) => r.msg === "Slow request")).toMatchObject({ level: "warn", thresholdMs: 500, path: "/ids" });
    const quiet = capture();
    await appWith({ logger: quiet.logger, now, slowQueryThresholdMs: 500, enableSlowQueryLog: false }).request("/ids");
    expect(quiet.records.some((r) => r.msg === "Slow request")).toBe(false);
  });
});

describe("timing, spans and metrics hooks", () => {
  it("adds Server-Timing and X-Response-Time unless disabled", async () => {
    const on = await appWith().request("/ids");
    expect(on.headers.get("server-timing")).toMatch(/^total;dur=\d+(\.\d)?$/);
    expect(on.headers.get("x-response-time")).toMatch(/^\d+ms$/);
    expect((await appWith({ enableTiming: false }).request("/ids")).headers.has("server-timing")).toBe(false);
  });

  it("calls onSpan at the start, and metrics.onRequest / onMetrics / metrics.onError at the end", async () => {
    const spans: unknown[] = [];
    const seen: RequestMetrics[] = [];
    const metrics = createMetricsCollector();
    const app = appWith({ metrics, onMetrics: (m) => seen.push(m), onSpan: (s) => spans.push(s) });
    await app.request("/ids", { headers: { traceparent: `00-${TRACE}-${PARENT}-01`, "x-request-id": "s1" } });
    await app.request("/missing", { headers: { "x-request-id": "s2" } });
    expect(spans[0]).toEqual({ requestId: "s1", traceId: TRACE, parentSpanId: PARENT, method: "GET", path: "/ids" });
    expect(seen.map((m) => [m.requestId, m.status])).toEqual([["s1", 200], ["s2", 404]]);
    expect(seen[0]).toMatchObject({ traceId: TRACE, method: "GET", path: "/ids" });
    expect(typeof seen[0]!.duration).toBe("number");
    expect(metrics.getRecent(5).map((m) => m.requestId)).toEqual(["s2", "s1"]);
    expect(metrics.getErrorMetrics()).toMatchObject([{ requestId: "s2", status: 404, code: "NOT_FOUND" }]);
  });

  it("never fails a request because a hook throws", async () => {
    const { records, logger } = capture();
    const thrower = () => {
      throw new Error("hook bug");
    };
    const res = await appWith({ logger, onSpan: thrower, onMetrics: thrower, metrics: { onRequest: thrower } }).request("/ids");
    expect(res.status).toBe(200);
    expect(records.filter((r) => r.level === "warn" && String(r.msg).includes("hook failed"))).toHaveLength(3);
  });

  it("standalone requestIdMiddleware and timingMiddleware work in a plain Hono app", async () => {
    const app = new Hono();
    app.use("*", requestIdMiddleware(), timingMiddleware());
    app.use("*", observabilityMiddleware({ enableTiming: false }));
    app.get("/", (c) => c.text(c.get("requestId")));
    const res = await app.request("/", { headers: { "x-request-id": "plain-1" } });
    expect(await res.text()).toBe("plain-1");
    expect(res.headers.get("x-request-id")).toBe("plain-1");
    expect(res.headers.has("x-response-time")).toBe(true);
  });
});

describe("createMetricsCollector", () => {
  const metric = (i: number, over: Partial<RequestMetrics> = {}): RequestMetrics => ({
    requestId: `r${i}`,
    traceId: `r${i}`,
    method: "GET",
    path: "/a",
    status: 200,
    duration: i,
    timestamp: 1_000_000,
    ...over,
  });

  it("keeps the last maxMetrics, newest first in getRecent, with queries and stats", () => {
    const now = 1_000_000 + 30_000;
    const collector = createMetricsCollector({ maxMetrics: 4, now: () => now });
    for (let i = 1; i <= 6; i++) collector.record(metric(i, i === 6 ? { status: 500, path: "/b", method: "POST", timestamp: now - 70_000 } : {}));
    expect(collector.getRequestMetrics().map((m) => m.requestId)).toEqual(["r3", "r4", "r5", "r6"]);
    expect(collector.getRecent(2).map((m) => m.requestId)).toEqual(["r6", "r5"]);
    expect(collector.getByPath("/b").map((m) => m.requestId)).toEqual(["r6"]);
    expect(collector.getSlow(4).map((m) => m.requestId)).toEqual(["r5", "r6"]);
    expect(collector.getRequestMetrics({ method: "post" }).map((m) => m.requestId)).toEqual(["r6"]);
    expect(collector.getRequestMetrics({ status: 200, minDuration: 4 }).map((m) => m.requestId)).toEqual(["r4", "r5"]);
    const stats = collector.getStats();
    expect(stats).toMatchObject({ total: 4, avgDuration: 4.5, errorRate: 0.25, requestsPerMinute: 3, p50: 4, p95: 6, byStatus: { 200: 3, 500: 1 } });
    collector.onSubscription({ resource: "todos", action: "open", timestamp: now });
    collector.onError({ requestId: "r6", traceId: "r6", method: "POST", path: "/b", status: 500, message: "x", timestamp: now });
    expect(collector.getStats()).toMatchObject({ subscriptions: 1, errors: 1 });
    collector.clear();
    expect(collector.getStats()).toMatchObject({ total: 0, avgDuration: 0, errorRate: 0, subscriptions: 0, errors: 0 });
  });

  it("rejects invalid options", () => {
    expect(() => createMetricsCollector({ maxMetrics: 0 })).toThrow(TypeError);
    expect(() => createMetricsCollector({ storage: "kv" as never })).toThrow(TypeError);
  });
});
