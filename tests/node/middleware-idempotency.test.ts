/** Idempotency through HTTP: replay, mismatch, serialised duplicates, TTL, what is not cached, isolation, faults. */
import { describe, expect, it } from "vitest";
import type { MiddlewareHandler } from "hono";
import { createMemoryKV } from "../../node-shim/memory/kv-store.js";
import { createCovara, idempotencyMiddleware, ValidationError, type IdempotencyConfig, type KvStore } from "../../src/index.js";

const fakeAuth: MiddlewareHandler = async (c, next) => {
  const id = c.req.header("x-user");
  c.set("user" as never, (id ? { id } : null) as never);
  await next();
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup(config: IdempotencyConfig = {}, kv: KvStore = createMemoryKV()) {
  const calls: Record<string, number> = {};
  const hit = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  const app = createCovara({ health: false, kv });
  app.use("*", fakeAuth);
  app.use("/api/*", idempotencyMiddleware({ pollIntervalMs: 5, ...config }));
  app.post("/api/orders", async (c) => {
    const n = hit("orders");
    const body = await c.req.json();
    if (c.req.header("x-slow")) await sleep(Number(c.req.header("x-slow")));
    return c.json({ order: n, body }, 201, { Location: `/api/orders/${n}`, "X-Not-Replayed": "1" });
  });
  app.put("/api/orders/:id", async (c) => c.json({ put: hit("put") }));
  app.get("/api/orders", (c) => c.json({ list: hit("list") }));
  app.post("/api/text", (c) => c.text(`text ${hit("text")}`));
  app.post("/api/five-hundred", (c) => c.json({ attempt: hit("500") }, 500));
  app.post("/api/throws", () => {
    hit("throws");
    throw new Error("boom");
  });
  app.post("/api/invalid", () => {
    hit("invalid");
    throw new ValidationError("bad input");
  });
  app.post("/api/empty", (c) => {
    hit("empty");
    return c.body(null, 204);
  });
  app.post("/other/orders", (c) => c.json({ other: hit("other") }));
  return { app, calls, kv };
}

const post = (key: string | undefined, body: unknown = { item: "book" }, headers: Record<string, string> = {}, path = "/api/orders") => ({
  path,
  init: {
    method: "POST",
    headers: { "content-type": "application/json", ...(key === undefined ? {} : { "idempotency-key": key }), ...headers },
    body: JSON.stringify(body),
  } satisfies RequestInit,
});

describe("replay and mismatch", () => {
  it("replays the first response (status, JSON body, Location) without running the handler again", async () => {
    const { app, calls } = setup();
    const first = app.request(post("k1").path, post("k1").init);
    const a = await first;
    const b = await app.request(post("k1").path, post("k1").init);
    expect(calls.orders).toBe(1);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(await b.json()).toEqual(await a.json());
    expect(a.headers.has("idempotency-replayed")).toBe(false);
    expect(b.headers.get("idempotency-replayed")).toBe("true");
    expect(b.headers.get("location")).toBe("/api/orders/1");
    expect(b.headers.get("content-type")).toMatch(/^application\/json/);
    expect(b.headers.has("x-not-replayed")).toBe(false);
    // Outer middleware still runs on a replay.
    expect(b.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("accepts X-Idempotency-Key as the same key", async () => {
    const { app, calls } = setup();
    await app.request("/api/orders", post("k2").init);
    const alias = post(undefined, { item: "book" }, { "x-idempotency-key": "k2" });
    const res = await app.request(alias.path, alias.init);
    expect(res.headers.get("idempotency-replayed")).toBe("true");
    expect(calls.orders).toBe(1);
  });

  it("answers 409 idempotency-mismatch for the same key with another body, path or query", async () => {
    const { app, calls } = setup();
    await app.request("/api/orders", post("k3").init);
    for (const [path, body] of [["/api/orders", { item: "pen" }], ["/api/orders?x=1", { item: "book" }], ["/api/text", { item: "book" }]] as const) {
      const req = post("k3", body, {}, path);
      const res = await app.request(req.path, req.init);
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ type: "/__covara/problems/idempotency-mismatch", code: "IDEMPOTENCY_MISMATCH" });
    }
    expect(calls.orders).toBe(1);
    expect(calls.text).toBeUndefined();
  });

  it("caches 4xx JSON problems too (status < 500)", async () => {
    const { app, calls } = setup();
    const req = post("k4", {}, {}, "/api/invalid");
    const a = await app.request(req.path, req.init);
    const b = await app.request(req.path, req.init);
    expect(a.status).toBe(400);
    expect(b.status).toBe(400);
    expect(b.headers.get("content-type")).toBe("application/problem+json");
    expect(b.headers.get("idempotency-replayed")).toBe("true");
    expect(calls.invalid).toBe(1);
  });
});

describe("concurrent duplicates", () => {
  it("runs the handler exactly once for 10 concurrent requests with one key; all get the same response", async () => {
    const { app, calls } = setup();
    const req = post("dup", { item: "book" }, { "x-slow": "60" });
    const responses = await Promise.all(Array.from({ length: 10 }, () => app.request(req.path, req.init)));
    expect(calls.orders).toBe(1);
    const bodies = await Promise.all(responses.map((r) => r.json()));
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(responses.every((r) => r.status === 201)).toBe(true);
    expect(responses.filter((r) => r.headers.get("idempotency-replayed") === "true")).toHaveLength(9);
  });

  it("rejects a concurrent request with the same key and another body at once (409 mismatch)", async () => {
    const { app, calls } = setup();
    const slow = app.request("/api/orders", post("dup2", { item: "book" }, { "x-slow": "80" }).init);
    await sleep(10);
    const other = await app.request("/api/orders", post("dup2", { item: "pen" }).init);
    expect(other.status).toBe(409);
    expect((await slow).status).toBe(201);
    expect(calls.orders).toBe(1);
  });

  it("gives up waiting after waitTimeoutMs with 409 conflict and Retry-After", async () => {
    const { app, calls } = setup({ waitTimeoutMs: 30 });
    const slow = app.request("/api/orders", post("dup3", { item: "book" }, { "x-slow": "150" }).init);
    await sleep(10);
    const waited = await app.request("/api/orders", post("dup3", { item: "book" }, { "x-slow": "150" }).init);
    expect(waited.status).toBe(409);
    expect(waited.headers.get("retry-after")).toBe("1");
    expect(await waited.json()).toMatchObject({ code: "CONFLICT", reason: "in_progress" });
    expect((await slow).status).toBe(201);
    expect(calls.orders).toBe(1);
  });
});

describe("what is stored, and for how long", () => {
  it("expires a stored response after ttlMs", async () => {
    const state = { t: 1_000_000 };
    const { app, calls } = setup({ ttlMs: 1000 }, createMemoryKV({ now: () => state.t }));
    await app.request("/api/orders", post("ttl").init);
    state.t += 999;
    expect((await app.request("/api/orders", post("ttl").init)).headers.get("idempotency-replayed")).toBe("true");
    state.t += 2;
    const fresh = await app.request("/api/orders", post("ttl").init);
    expect(fresh.headers.has("idempotency-replayed")).toBe(false);
    expect(calls.orders).toBe(2);
  });

  it("does not cache non-JSON, 5xx, thrown errors or bodiless responses, and frees the key each time", async () => {
    const { app, calls } = setup();
    for (const [path, name] of [["/api/text", "text"], ["/api/five-hundred", "500"], ["/api/throws", "throws"], ["/api/empty", "empty"]]) {
      for (let i = 0; i < 2; i++) {
        const req = post(`nc-${name}`, {}, {}, path!);
        const res = await app.request(req.path, req.init);
        expect(res.headers.has("idempotency-replayed")).toBe(false);
      }
      expect(calls[name!]).toBe(2);
    }
  });

  it("takes over a lock left by a crashed request once lockTtlMs has passed", async () => {
    const state = { t: 0 };
    const kv = createMemoryKV({ now: () => state.t });
    const { app, calls } = setup({ lockTtlMs: 1000, waitTimeoutMs: 20 }, kv);
    // A first attempt whose process died: only its lock remains.
    const fp = await (async () => {
      await app.request("/api/orders", post("crash").init);
      const stored = JSON.parse((await kv.get("covara:idempotency:anonymous:crash"))!);
      await kv.set("covara:idempotency:anonymous:crash", JSON.stringify({ v: 1, state: "pending", fp: stored.fp, lock: "dead" }), { ttlMs: 1000 });
      return stored.fp as string;
    })();
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    expect((await app.request("/api/orders", post("crash").init)).status).toBe(409);
    state.t += 1001;
    const res = await app.request("/api/orders", post("crash").init);
    expect(res.status).toBe(201);
    expect(calls.orders).toBe(2);
  });
});

describe("who and what participates", () => {
  it("isolates users (and anonymous callers with different credentials) sharing a key", async () => {
    const { app, calls, kv } = setup();
    const a = await app.request("/api/orders", post("shared", { item: "a" }, { "x-user": "u1" }).init);
    const b = await app.request("/api/orders", post("shared", { item: "b" }, { "x-user": "u2" }).init);
    const c = await app.request("/api/orders", post("shared", { item: "c" }, { authorization: "Bearer one" }).init);
    const d = await app.request("/api/orders", post("shared", { item: "d" }, { authorization: "Bearer two" }).init);
    const e = await app.request("/api/orders", post("shared", { item: "e" }).init);
    expect([a, b, c, d, e].map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(calls.orders).toBe(5);
    // A user id containing ':' cannot impersonate another caller's key.
    const f = await app.request("/api/orders", post("shared", { item: "f" }, { "x-user": "u1:shared" }).init);
    expect(f.status).toBe(201);
    const keys = (await kv.list("covara:idempotency:")).keys;
    expect(keys).toHaveLength(6);
    expect(keys).toContain("covara:idempotency:user:u1:shared");
    expect(keys).toContain("covara:idempotency:user:u1%3Ashared:shared");
  });

  it("ignores requests without the header, other methods, and paths outside paths / inside excludePaths", async () => {
    const { app, calls } = setup({ paths: ["/api/orders"], excludePaths: ["/api/orders/skip"], methods: ["POST"] });
    await app.request("/api/orders", post(undefined).init);
    await app.request("/api/orders", post(undefined).init);
    expect(calls.orders).toBe(2);
    for (let i = 0; i < 2; i++) await app.request("/api/orders", { headers: { "idempotency-key": "g" } });
    expect(calls.list).toBe(2);
    for (let i = 0; i < 2; i++) await app.request("/api/orders/1", { method: "PUT", headers: { "idempotency-key": "p" } });
    expect(calls.put).toBe(2);
    for (let i = 0; i < 2; i++) await app.request("/api/text", post("t").init);
    expect(calls.text).toBe(2);
  });
});

describe("bad input and store faults", () => {
  it("rejects a key longer than 255 characters, empty or non-ASCII with 400 validation-error", async () => {
    const { app, calls } = setup();
    for (const key of ["x".repeat(256), "   ", "caf\u00e9"]) {
      const res = await app.request("/api/orders", post(key).init);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "VALIDATION_ERROR", type: "/__covara/problems/validation-error" });
    }
    expect(calls.orders).toBeUndefined();
    expect((await app.request("/api/orders", post("x".repeat(255)).init)).status).toBe(201);
  });

  it("answers 413 for a body larger than maxBodyBytes", async () => {
    const { app, calls } = setup({ maxBodyBytes: 100 });
    const res = await app.request("/api/orders", post("big", { data: "x".repeat(200) }).init);
    expect(res.status).toBe(413);
    expect(calls.orders).toBeUndefined();
  });

  const broken = (): KvStore => {
    const fail = async () => {
      throw new Error("store down");
    };
    return { get: fail, set: fail, delete: fail, increment: fail, compareAndSet: fail, list: fail, hit: fail, close: async () => {} } as KvStore;
  };

  it("proceeds unprotected when the store is down (onStoreError: proceed)", async () => {
    const { app, calls } = setup({ storage: broken() });
    expect((await app.request("/api/orders", post("down").init)).status).toBe(201);
    expect((await app.request("/api/orders", post("down").init)).status).toBe(201);
    expect(calls.orders).toBe(2);
  });

  it("answers 503 idempotency-store-unavailable with onStoreError: fail", async () => {
    const { app, calls } = setup({ storage: broken(), onStoreError: "fail" });
    const res = await app.request("/api/orders", post("down").init);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ type: "/__covara/problems/idempotency-store-unavailable", code: "IDEMPOTENCY_STORE_UNAVAILABLE" });
    expect(calls.orders).toBeUndefined();
  });

  it("still answers when storing the response fails", async () => {
    const kv = createMemoryKV();
    const flaky = { ...kv, get: kv.get.bind(kv), set: kv.set.bind(kv), compareAndSet: async () => { throw new Error("write failed"); } };
    const { app, calls } = setup({ storage: flaky });
    expect((await app.request("/api/orders", post("flaky").init)).status).toBe(201);
    expect(calls.orders).toBe(1);
  });

  it("throws at creation for invalid options", () => {
    expect(() => idempotencyMiddleware({ ttlMs: "60" as never })).toThrow(TypeError);
    expect(() => idempotencyMiddleware({ ttlMs: 0 })).toThrow(TypeError);
    expect(() => idempotencyMiddleware({ onStoreError: "ignore" as never })).toThrow(TypeError);
    expect(() => idempotencyMiddleware({ methods: "POST" as never })).toThrow(TypeError);
    expect(() => idempotencyMiddleware({ headerName: "bad header" })).toThrow(TypeError);
  });
});
