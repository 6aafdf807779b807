/**
 * The transport against a real server (spec 80 §4): problem+json → `TransportError` with status,
 * code, details and retryAfter; the legacy error envelope; abort and timeout; headers, query
 * parameters and date revival.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConflictError, RateLimitError } from "../../src/index.js";
import { createClient, isAbortError, isTimeoutError, TransportError, type CovaraClient } from "../../src/client/index.js";
import { openDb, serve, type TestDb, type TestServer, type Todo } from "./fixture.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("transport", () => {
  let db: TestDb;
  let server: TestServer;
  let client: CovaraClient;
  let slowCalls = 0;

  beforeAll(async () => {
    db = openDb();
    server = await serve({
      db,
      configure(app) {
        app.get("/echo", (c) => c.json({ headers: Object.fromEntries(c.req.raw.headers), query: c.req.query(), method: c.req.method }));
        app.post("/echo", async (c) => c.json({ headers: Object.fromEntries(c.req.raw.headers), body: await c.req.json() }));
        app.get("/limited", () => {
          throw new RateLimitError(7);
        });
        app.get("/conflict", () => {
          throw new ConflictError("Slug already taken", { field: "slug" });
        });
        app.get("/legacy", (c) => c.json({ error: { code: "TOKEN_REVOKED", message: "Refresh token has been revoked", details: { hint: "log in" } } }, 401));
        app.get("/text", (c) => c.text("upstream exploded", 502));
        app.get("/slow", async (c) => {
          slowCalls++;
          await sleep(1500);
          return c.json({ ok: true });
        });
        app.get("/empty", (c) => c.body(null, 204));
        app.get("/spa/*", (c) => c.html("<!doctype html><title>app</title>"));
      },
    });
    client = createClient({ baseUrl: server.origin, headers: { "X-App": "tests" } });
  });
  afterAll(async () => {
    await server.close();
    db.close();
  });
  beforeEach(() => db.reset());

  it("turns problem+json into a TransportError with status, code, type and field errors", async () => {
    const error = (await client.resource<Todo>("/api/todos").list({ filter: "title==unquoted" }).catch((e: unknown) => e)) as TransportError;
    expect(error).toBeInstanceOf(TransportError);
    expect(error.status).toBe(400);
    expect(error.code).toBe("FILTER_PARSE_ERROR");
    expect(error.type).toBe("/__covara/problems/filter-parse-error");
    expect(error.isValidationError()).toBe(true);
    expect(error.message).toMatch(/Unquoted value/);
    expect(error.details).toMatchObject({ position: expect.any(Number), suggestion: expect.stringContaining("Quote strings") });

    const invalid = (await client.resource<Todo>("/api/todos").create({ done: true }).catch((e: unknown) => e)) as TransportError;
    expect(invalid.code).toBe("VALIDATION_ERROR");
    expect(invalid.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: "title" })]));

    const missing = (await client.resource<Todo>("/api/todos").get(999).catch((e: unknown) => e)) as TransportError;
    expect([missing.status, missing.code, missing.isNotFound()]).toEqual([404, "NOT_FOUND", true]);
  });

  it("reads retryAfter from Retry-After and keeps extension members", async () => {
    const limited = (await client.transport.request({ path: "/limited" }).catch((e: unknown) => e)) as TransportError;
    expect([limited.status, limited.code, limited.retryAfter, limited.isRateLimited()]).toEqual([429, "RATE_LIMIT_EXCEEDED", 7, true]);
    expect(limited.headers["retry-after"]).toBe("7");
    const conflict = (await client.transport.request({ path: "/conflict" }).catch((e: unknown) => e)) as TransportError;
    expect([conflict.status, conflict.code, conflict.message, conflict.isConflict()]).toEqual([409, "CONFLICT", "Slug already taken", true]);
    expect(conflict.details).toEqual({ field: "slug" });
  });

  it("understands the legacy envelope and non-JSON error bodies", async () => {
    const legacy = (await client.transport.request({ path: "/legacy" }).catch((e: unknown) => e)) as TransportError;
    expect([legacy.status, legacy.code, legacy.message]).toEqual([401, "TOKEN_REVOKED", "Refresh token has been revoked"]);
    expect(legacy.details).toEqual({ hint: "log in" });
    const text = (await client.transport.request({ path: "/text" }).catch((e: unknown) => e)) as TransportError;
    expect([text.status, text.code, text.message, text.body, text.isServerError()]).toEqual([502, "HTTP_ERROR", "upstream exploded", "upstream exploded", true]);
  });

  it("times out with a TimeoutError, and a caller signal aborts with its reason", async () => {
    const started = Date.now();
    const timedOut = await client.transport.request({ path: "/slow", timeoutMs: 100 }).catch((e: unknown) => e);
    expect(isTimeoutError(timedOut)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);

    const controller = new AbortController();
    const pending = client.transport.request({ path: "/slow", signal: controller.signal, timeoutMs: 5000 });
    setTimeout(() => controller.abort(), 50);
    const aborted = await pending.catch((e: unknown) => e);
    expect(isAbortError(aborted)).toBe(true);
    expect(isTimeoutError(aborted)).toBe(false);

    const alreadyAborted = await client.resource<Todo>("/api/todos").list({ signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(isAbortError(alreadyAborted)).toBe(true);

    // The client-wide timeout applies when a request sets none.
    const strict = createClient({ baseUrl: server.origin, timeout: 80 });
    expect(isTimeoutError(await strict.transport.request({ path: "/slow" }).catch((e: unknown) => e))).toBe(true);
    expect(slowCalls).toBe(3);
  });

  it("sends JSON with default, set and per-request headers; drops empty params and joins arrays", async () => {
    client.transport.setHeader("X-Set", "1");
    const { data } = await client.transport.request<{ headers: Record<string, string>; query: Record<string, string> }>({
      path: "/echo",
      params: { a: ["x", "y"], b: undefined, c: null, d: 0, e: false, f: "" },
      headers: { "x-app": "override" },
    });
    expect(data.headers).toMatchObject({ "x-app": "override", "x-set": "1", "content-type": "application/json" });
    expect(data.query).toEqual({ a: "x,y", d: "0", e: "false" });
    client.transport.removeHeader("x-SET");
    const posted = await client.transport.request<{ headers: Record<string, string>; body: unknown }>({ method: "POST", path: "/echo", body: { n: 1 } });
    expect(posted.data.body).toEqual({ n: 1 });
    expect(posted.data.headers["x-set"]).toBeUndefined();
    expect((await client.transport.request({ path: "/empty" })).data).toBeUndefined();
  });

  it("setAuthToken sends a bearer until clearAuthToken", async () => {
    client.setAuthToken("abc");
    expect((await client.transport.request<{ headers: Record<string, string> }>({ path: "/echo" })).data.headers.authorization).toBe("Bearer abc");
    client.clearAuthToken();
    expect((await client.transport.request<{ headers: Record<string, string> }>({ path: "/echo" })).data.headers.authorization).toBeUndefined();
  });

  it("stops a subscription whose URL answers with a page instead of an event stream", async () => {
    const errors: unknown[] = [];
    const sub = client.resource<Todo>("/spa/todos").subscribe({}, { onError: (e) => errors.push(e) });
    await new Promise((resolve) => setTimeout(resolve, 200));
    sub.unsubscribe();
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toMatch(/Expected text\/event-stream .* got text\/html.*check baseUrl/);
  });

  it("keeps ISO strings unless parseDates says otherwise", async () => {
    const at = new Date("2024-03-05T09:30:00.000Z");
    const plain = client.resource<Todo>("/api/todos");
    const created = await plain.create({ title: "dated", createdAt: at.toISOString() });
    expect(created.createdAt).toBe(at.toISOString());

    const everywhere = createClient({ baseUrl: server.origin, parseDates: true });
    const row = (await everywhere.resource("/api/todos").get(created.id)) as Record<string, unknown>;
    expect(row.createdAt).toEqual(at);
    expect(row.title).toBe("dated");

    const registry = createClient({ baseUrl: server.origin, parseDates: { "/api/todos": ["createdAt"] } });
    const listed = (await registry.resource("/api/todos").list()).items[0] as Record<string, unknown>;
    expect(listed.createdAt).toBeInstanceOf(Date);
    const narrowed = await registry.transport.request<{ items: Record<string, unknown>[] }>({ path: "/api/todos", dateFields: [] });
    expect(narrowed.data.items[0]!.createdAt).toBe(at.toISOString());
  });
});
