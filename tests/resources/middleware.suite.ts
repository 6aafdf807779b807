/**
 * The middleware on generated resource routes, run unchanged on every database (Node and D1 in
 * workerd): per-resource rate limits, idempotent creates, observability ids and metrics.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { MiddlewareHandler } from "hono";
import { integer as pInteger, pgTable } from "drizzle-orm/pg-core";
import { integer as sInteger, sqliteTable } from "drizzle-orm/sqlite-core";
import { createMemoryKV } from "../../node-shim/memory/kv-store.js";
import { createCovara, createMetricsCollector, idempotencyMiddleware, type KvStore } from "../../src/index.js";
import type { DbHarness } from "./harness.js";

// `canary` exists on every harness (the injection tests check it survives); only read here.
const sqliteCanary = sqliteTable("canary", { id: sInteger("id").primaryKey() });
const pgCanary = pgTable("canary", { id: pInteger("id").primaryKey() });

const fakeAuth: MiddlewareHandler = async (c, next) => {
  const id = c.req.header("x-user");
  c.set("user" as never, (id ? { id } : null) as never);
  await next();
};

const createBody = (name: string) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ name, email: `${name.toLowerCase()}@example.com` }),
});

/** A KV backend for the suite: memory by default; the workerd run passes the Durable Object KV. */
export interface KvFactory {
  name: string;
  /** A fresh, empty store (a new prefix for shared backends). */
  make(): KvStore;
}

const memoryKv: KvFactory = { name: "memory KV", make: () => createMemoryKV() };

export function middlewareSuite(getHarness: () => DbHarness, kvFactory: KvFactory = memoryKv) {
  describe(`middleware on resources (${kvFactory.name})`, () => {
    let h: DbHarness;
    beforeEach(async () => {
      h = getHarness();
      await h.reset();
    });
    const canary = () => (h.dialect === "postgres" ? pgCanary : sqliteCanary);

    it("rate-limits every route of a resource with the option, with headers and a 429 problem", async () => {
      const kv = kvFactory.make();
      const app = createCovara({ kv }).resource("/people", h.table, { id: h.table.id, db: h.db, rateLimit: { windowMs: 60_000, maxRequests: 4 } });
      const list = await app.request("/api/people");
      expect(list.status).toBe(200);
      expect(list.headers.get("x-ratelimit-limit")).toBe("4");
      expect(list.headers.get("x-ratelimit-remaining")).toBe("3");
      expect((await app.request("/api/people", createBody("Ada"))).status).toBe(201);
      expect((await app.request("/api/people/count")).headers.get("x-ratelimit-remaining")).toBe("1");
      expect((await app.request("/api/people/999")).status).toBe(404);
      const limited = await app.request("/api/people/1");
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(59);
      expect(await limited.json()).toMatchObject({ code: "RATE_LIMIT_EXCEEDED", type: "/__covara/problems/rate-limit-exceeded" });
      expect((await app.request("/healthz")).headers.has("x-ratelimit-limit")).toBe(false);
      expect((await kv.list("covara:ratelimit:")).keys).toEqual(["covara:ratelimit:people:ip:unknown"]);
    });

    it("keeps resources' counters apart, and users' counters apart", async () => {
      const kv = kvFactory.make();
      const limit = { windowMs: 60_000, maxRequests: 2 };
      const app = createCovara({ kv, middleware: [fakeAuth] })
        .resource("/people", h.table, { id: h.table.id, db: h.db, rateLimit: limit })
        .resource("/canary", canary(), { id: canary().id, db: h.db, rateLimit: limit });
      for (let i = 0; i < 2; i++) expect((await app.request("/api/people")).status).toBe(200);
      expect((await app.request("/api/people")).status).toBe(429);
      expect((await app.request("/api/canary")).status).toBe(200);
      expect((await app.request("/api/people", { headers: { "x-user": "u1" } })).status).toBe(200);
      expect((await kv.list("covara:ratelimit:")).keys).toEqual([
        "covara:ratelimit:canary:ip:unknown",
        "covara:ratelimit:people:ip:unknown",
        "covara:ratelimit:people:user:u1",
      ]);
    });

    it("counts two app instances sharing one store together", async () => {
      const kv = kvFactory.make();
      const build = () => createCovara({ kv }).resource("/people", h.table, { id: h.table.id, db: h.db, rateLimit: { windowMs: 60_000, maxRequests: 5 } });
      const [one, two] = [build(), build()];
      const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? one : two).request("/api/people/count")));
      expect(responses.filter((r) => r.status === 200)).toHaveLength(5);
      expect(responses.filter((r) => r.status === 429)).toHaveLength(7);
    });

    it("throws when the resource is mounted with an invalid limit", () => {
      const app = createCovara();
      expect(() => app.resource("/people", h.table, { id: h.table.id, db: h.db, rateLimit: { windowMs: Number.NaN } })).toThrow(TypeError);
      expect(() => app.resource("/people", h.table, { id: h.table.id, db: h.db, rateLimit: { maxRequests: "10" as never } })).toThrow(TypeError);
    });

    it("creates one row for a repeated POST with an Idempotency-Key", async () => {
      const app = createCovara({ kv: kvFactory.make() });
      app.use("/api/*", idempotencyMiddleware());
      app.resource("/people", h.table, { id: h.table.id, db: h.db });
      const init = createBody("Grace");
      const withKey = { ...init, headers: { ...init.headers, "idempotency-key": "create-grace" } };
      const responses = await Promise.all([app.request("/api/people", withKey), app.request("/api/people", withKey)]);
      const again = await app.request("/api/people", withKey);
      const bodies = await Promise.all([...responses, again].map((r) => r.json() as Promise<{ id: number }>));
      expect([...responses, again].map((r) => r.status)).toEqual([201, 201, 201]);
      expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
      expect(again.headers.get("idempotency-replayed")).toBe("true");
      expect(((await (await app.request("/api/people/count")).json()) as { count: number }).count).toBe(1);
    });

    it("reports resource and operation in metrics; a problem's requestId equals X-Request-Id", async () => {
      const metrics = createMetricsCollector();
      const app = createCovara({ observability: { metrics } }).resource("/people", h.table, { id: h.table.id, db: h.db });
      await app.request("/api/people", createBody("Linus"));
      await app.request("/api/people");
      const missing = await app.request("/api/people/4242", { headers: { "x-request-id": "req-42" } });
      expect(missing.status).toBe(404);
      expect(missing.headers.get("x-request-id")).toBe("req-42");
      expect(((await missing.json()) as { requestId: string }).requestId).toBe("req-42");
      const seen = metrics.getRequestMetrics({ resource: "people" });
      expect(seen.map((m) => [m.method, m.operation, m.status])).toEqual([
        ["POST", "create", 201],
        ["GET", "list", 200],
        ["GET", "get", 404],
      ]);
      expect(metrics.getErrorMetrics().map((m) => m.code)).toEqual(["NOT_FOUND"]);
    });
  });
}
