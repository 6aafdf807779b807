/** Rate limiting through HTTP (`app.request`): exactness under concurrency, headers, 429 problems, keys, stores. */
import { afterEach, describe, expect, it } from "vitest";
import { Hono, type MiddlewareHandler } from "hono";
import { createMemoryKV } from "../../node-shim/memory/kv-store.js";
import { startServer } from "../../node-shim/index.js";
import {
  clearGlobalKV,
  createCovara,
  createOperationRateLimiter,
  createRateLimiter,
  createResourceRateLimiter,
  createSlidingWindowRateLimiter,
  errorHandler,
  getClientIP,
  rateLimit,
  setGlobalKV,
  type RateLimitConfig,
} from "../../src/index.js";

/** Sets `c.get("user")` from an `x-user` header, as auth middleware would. */
const fakeAuth: MiddlewareHandler = async (c, next) => {
  const id = c.req.header("x-user");
  c.set("user" as never, (id ? { id } : null) as never);
  await next();
};

function appWith(limiter: MiddlewareHandler, options: Parameters<typeof createCovara>[0] = {}) {
  const app = createCovara({ health: false, ...options });
  app.use("*", fakeAuth);
  app.use("/limited/*", limiter);
  app.get("/limited/a", (c) => c.json({ ok: true }));
  app.get("/limited/b", (c) => c.json({ ok: true }));
  app.get("/limited/fail", () => {
    throw new Error("boom");
  });
  return app;
}

const burst = (app: { request: (p: string, i?: RequestInit) => Response | Promise<Response> }, n: number, init?: RequestInit) =>
  Promise.all(Array.from({ length: n }, () => app.request("/limited/a", init)));
const statuses = (responses: Response[]) => responses.map((r) => r.status);
const count = (responses: Response[], status: number) => statuses(responses).filter((s) => s === status).length;

describe("fixed window: exact under concurrency", () => {
  it("admits exactly maxRequests of 30 concurrent requests on the memory store", async () => {
    const store = createMemoryKV();
    const responses = await burst(appWith(rateLimit({ windowMs: 60_000, maxRequests: 10, store })), 30);
    expect(count(responses, 200)).toBe(10);
    expect(count(responses, 429)).toBe(20);
  });

  it("admits exactly maxRequests on the app's KV (createCovara({ kv })) and on the private fallback", async () => {
    const kv = createMemoryKV();
    const viaApp = await burst(appWith(createRateLimiter({ windowMs: 60_000, maxRequests: 10 }), { kv }), 30);
    expect(count(viaApp, 200)).toBe(10);
    expect((await kv.list("covara:ratelimit:")).keys).toEqual(["covara:ratelimit:ip:unknown"]);
    const fallback = await burst(appWith(createRateLimiter({ windowMs: 60_000, maxRequests: 10 })), 30);
    expect(count(fallback, 200)).toBe(10);
  });

  it("counts two app instances sharing one store together", async () => {
    const kv = createMemoryKV();
    const config = { windowMs: 60_000, maxRequests: 10 };
    const one = appWith(createRateLimiter(config), { kv });
    const two = appWith(createRateLimiter(config), { kv });
    const responses = (await Promise.all([burst(one, 8), burst(two, 8)])).flat();
    expect(count(responses, 200)).toBe(10);
    expect(count(responses, 429)).toBe(6);
  });
});

describe("fixed window: headers and the 429 problem", () => {
  const clock = (start: number) => {
    const state = { t: start };
    return { state, now: () => state.t };
  };

  it("sends X-RateLimit-Limit/Remaining/Reset on every response, errors included", async () => {
    const { now } = clock(1_700_000_000_250);
    const store = createMemoryKV({ now });
    const app = appWith(rateLimit({ windowMs: 60_000, maxRequests: 3, store, now }));
    const resetSeconds = String(Math.ceil((1_700_000_000_250 + 60_000) / 1000));
    const first = await app.request("/limited/a");
    expect(first.headers.get("x-ratelimit-limit")).toBe("3");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("2");
    expect(first.headers.get("x-ratelimit-reset")).toBe(resetSeconds);
    const failed = await app.request("/limited/fail");
    expect(failed.status).toBe(500);
    expect(failed.headers.get("x-ratelimit-remaining")).toBe("1");
    const missing = await app.request("/limited/nope");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-ratelimit-remaining")).toBe("0");
  });

  it("answers 429 rate-limit-exceeded with retryAfter and Retry-After in real seconds", async () => {
    const { state, now } = clock(1_000_000);
    const store = createMemoryKV({ now });
    const app = appWith(rateLimit({ windowMs: 60_000, maxRequests: 1, store, now }));
    expect((await app.request("/limited/a")).status).toBe(200);
    state.t += 15_500;
    const res = await app.request("/limited/a");
    expect(res.status).toBe(429);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("retry-after")).toBe("45");
    expect(res.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(res.headers.get("x-ratelimit-limit")).toBe("1");
    const body = await res.json();
    expect(body).toMatchObject({ type: "/__covara/problems/rate-limit-exceeded", code: "RATE_LIMIT_EXCEEDED", status: 429, retryAfter: 45 });
    expect(body.detail).toBe("Too many requests, please try again later");
    state.t = 1_000_000 + 59_999;
    const last = await app.request("/limited/a");
    expect(last.headers.get("retry-after")).toBe("1");
    state.t = 1_000_000 + 60_000;
    expect((await app.request("/limited/a")).status).toBe(200);
  });

  it("uses message as the detail and honours headers: false", async () => {
    const app = appWith(rateLimit({ windowMs: 1000, maxRequests: 1, store: createMemoryKV(), message: "slow down", headers: false }));
    const ok = await app.request("/limited/a");
    expect(ok.headers.has("x-ratelimit-limit")).toBe(false);
    const limited = await app.request("/limited/a");
    expect(limited.status).toBe(429);
    expect(limited.headers.has("x-ratelimit-remaining")).toBe(false);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect((await limited.json()).detail).toBe("slow down");
  });

  it("renders the problem in a plain Hono app without Covara's handlers", async () => {
    const app = new Hono();
    app.use("*", rateLimit({ windowMs: 60_000, maxRequests: 1, store: createMemoryKV() }));
    app.get("/", (c) => c.text("ok"));
    await app.request("/");
    const res = await app.request("/");
    expect(res.status).toBe(429);
    expect((await res.json()).code).toBe("RATE_LIMIT_EXCEEDED");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});

describe("keys, skip and stores", () => {
  it("keys by user, else by client IP, and never shares between them", async () => {
    const store = createMemoryKV();
    const app = appWith(rateLimit({ windowMs: 60_000, maxRequests: 1, store }));
    expect((await app.request("/limited/a", { headers: { "x-user": "u1" } })).status).toBe(200);
    expect((await app.request("/limited/a", { headers: { "x-user": "u1" } })).status).toBe(429);
    expect((await app.request("/limited/a", { headers: { "x-user": "u2" } })).status).toBe(200);
    expect((await app.request("/limited/a", { headers: { "cf-connecting-ip": "203.0.113.9" } })).status).toBe(200);
    expect((await app.request("/limited/a", { headers: { "x-forwarded-for": "203.0.113.9, 10.0.0.1" } })).status).toBe(429);
    const keys = (await store.list("covara:ratelimit:")).keys;
    expect(keys).toEqual(["covara:ratelimit:ip:203.0.113.9", "covara:ratelimit:user:u1", "covara:ratelimit:user:u2"]);
  });

  it("uses a custom keyGenerator, and hashes an over-long key", async () => {
    const store = createMemoryKV();
    const app = appWith(rateLimit({ windowMs: 60_000, maxRequests: 1, store, keyGenerator: (c) => `tenant:${c.req.header("x-tenant") ?? "none"}` }));
    expect((await app.request("/limited/a", { headers: { "x-tenant": "t1" } })).status).toBe(200);
    expect((await app.request("/limited/b", { headers: { "x-tenant": "t1" } })).status).toBe(429);
    expect((await app.request("/limited/a", { headers: { "x-tenant": "t2" } })).status).toBe(200);
    const long = "x".repeat(5000);
    expect((await app.request("/limited/a", { headers: { "x-tenant": long } })).status).toBe(200);
    expect((await app.request("/limited/a", { headers: { "x-tenant": long } })).status).toBe(429);
    const keys = (await store.list("covara:ratelimit:")).keys;
    expect(keys.some((k) => /^covara:ratelimit:sha256:[0-9a-f]{64}$/.test(k))).toBe(true);
    expect(keys.every((k) => k.length < 300)).toBe(true);
  });

  it("does not count or limit skipped requests", async () => {
    const store = createMemoryKV();
    const app = appWith(rateLimit({ windowMs: 60_000, maxRequests: 1, store, skip: (c) => c.req.header("x-internal") === "1" }));
    for (let i = 0; i < 5; i++) {
      const res = await app.request("/limited/a", { headers: { "x-internal": "1" } });
      expect(res.status).toBe(200);
      expect(res.headers.has("x-ratelimit-limit")).toBe(false);
    }
    expect((await app.request("/limited/a")).status).toBe(200);
    expect((await app.request("/limited/a")).status).toBe(429);
  });

  it("keeps per-name counters apart (createResourceRateLimiter, createOperationRateLimiter)", async () => {
    const store = createMemoryKV();
    const app = createCovara({ health: false });
    app.get("/a", createResourceRateLimiter("a", { maxRequests: 1, store }), (c) => c.text("a"));
    app.get("/b", createResourceRateLimiter("b", { maxRequests: 1, store }), (c) => c.text("b"));
    const ops = createOperationRateLimiter("posts", { create: { windowMs: 60_000, maxRequests: 1, store } });
    app.post("/posts", ops("create"), (c) => c.text("created"));
    app.get("/posts", ops("read"), (c) => c.text("list"));
    expect((await app.request("/a")).status).toBe(200);
    expect((await app.request("/a")).status).toBe(429);
    expect((await app.request("/b")).status).toBe(200);
    expect((await app.request("/posts", { method: "POST" })).status).toBe(200);
    expect((await app.request("/posts", { method: "POST" })).status).toBe(429);
    for (let i = 0; i < 3; i++) expect((await app.request("/posts")).status).toBe(200);
    expect((await store.list("covara:ratelimit:")).keys).toEqual(["covara:ratelimit:a:ip:unknown", "covara:ratelimit:b:ip:unknown", "covara:ratelimit:posts:create:ip:unknown"]);
  });

  describe("global KV", () => {
    afterEach(() => clearGlobalKV());
    it("uses the global KV when the app has none, and prefers the app's", async () => {
      const global = createMemoryKV();
      const own = createMemoryKV();
      setGlobalKV(global);
      await appWith(rateLimit({ windowMs: 60_000, maxRequests: 5 })).request("/limited/a");
      await appWith(rateLimit({ windowMs: 60_000, maxRequests: 5 }), { kv: own }).request("/limited/a");
      expect((await global.list("covara:ratelimit:")).keys).toHaveLength(1);
      expect(await global.get("covara:ratelimit:ip:unknown")).toBe("1");
      expect(await own.get("covara:ratelimit:ip:unknown")).toBe("1");
    });
  });
});

describe("getClientIP", () => {
  const ipOf = async (headers: Record<string, string>, socket?: string) => {
    const app = new Hono();
    app.get("/", (c) => c.text(getClientIP(c, () => socket)));
    return (await app.request("/", { headers })).text();
  };

  it("prefers cf-connecting-ip, then the first x-forwarded-for, then x-real-ip, then the socket, then unknown", async () => {
    const all = { "cf-connecting-ip": "1.1.1.1", "x-forwarded-for": " 2.2.2.2 , 3.3.3.3", "x-real-ip": "4.4.4.4" };
    expect(await ipOf(all, "5.5.5.5")).toBe("1.1.1.1");
    expect(await ipOf({ "x-forwarded-for": all["x-forwarded-for"], "x-real-ip": "4.4.4.4" }, "5.5.5.5")).toBe("2.2.2.2");
    expect(await ipOf({ "x-real-ip": "4.4.4.4" }, "5.5.5.5")).toBe("4.4.4.4");
    expect(await ipOf({}, "::1")).toBe("::1");
    expect(await ipOf({})).toBe("unknown");
  });

  it("reads the socket address of @hono/node-server by default", async () => {
    const app = createCovara({ health: false });
    app.get("/ip", (c) => c.text(getClientIP(c)));
    const server = await startServer(app, { port: 0, hostname: "127.0.0.1", gracefulShutdown: false });
    try {
      expect(await (await fetch(`http://127.0.0.1:${server.port}/ip`)).text()).toBe("127.0.0.1");
    } finally {
      await server.close();
    }
  });

  it("skips malformed or over-long values instead of keying on them", async () => {
    expect(await ipOf({ "x-forwarded-for": "<script>", "x-real-ip": "2001:db8::1" })).toBe("2001:db8::1");
    expect(await ipOf({ "cf-connecting-ip": "9".repeat(100) }, "10.0.0.1")).toBe("10.0.0.1");
    expect(await ipOf({ "x-forwarded-for": ", 1.2.3.4" })).toBe("unknown");
  });
});

describe("bad configuration throws at creation", () => {
  const bad: [string, Partial<RateLimitConfig>][] = [
    ["windowMs as a string", { windowMs: "1000" as never, maxRequests: 1 }],
    ["windowMs NaN", { windowMs: Number.NaN, maxRequests: 1 }],
    ["windowMs zero", { windowMs: 0, maxRequests: 1 }],
    ["windowMs over 366 days", { windowMs: 400 * 86_400_000, maxRequests: 1 }],
    ["maxRequests negative", { windowMs: 1000, maxRequests: -1 }],
    ["maxRequests fractional", { windowMs: 1000, maxRequests: 1.5 }],
    ["maxRequests missing", { windowMs: 1000 }],
    ["keyGenerator not a function", { windowMs: 1000, maxRequests: 1, keyGenerator: "user" as never }],
    ["store without hit", { windowMs: 1000, maxRequests: 1, store: {} as never }],
  ];
  for (const [name, config] of bad) {
    it(name, () => {
      expect(() => createRateLimiter(config as RateLimitConfig)).toThrow(TypeError);
    });
  }
  it("sliding window rejects maxRequests above 10,000 and a store without compareAndSet", () => {
    expect(() => createSlidingWindowRateLimiter({ windowMs: 1000, maxRequests: 10_001 })).toThrow(TypeError);
    expect(() => createSlidingWindowRateLimiter({ windowMs: 1000, maxRequests: 1, store: { hit: async () => ({ count: 1, resetAt: 0 }) } as never })).toThrow(TypeError);
  });
});

describe("sliding window", () => {
  it("admits exactly maxRequests of 30 concurrent requests (compare-and-set, no lost updates)", async () => {
    const store = createMemoryKV();
    const responses = await burst(appWith(createSlidingWindowRateLimiter({ windowMs: 60_000, maxRequests: 10, store })), 30);
    expect(count(responses, 200)).toBe(10);
    expect(count(responses, 429)).toBe(20);
  });

  it("derives Retry-After and X-RateLimit-Reset from the oldest admitted request, and slides", async () => {
    const state = { t: 5_000_000 };
    const now = () => state.t;
    const store = createMemoryKV({ now });
    const app = appWith(createSlidingWindowRateLimiter({ windowMs: 10_000, maxRequests: 2, store, now }));
    expect((await app.request("/limited/a")).status).toBe(200); // t0
    state.t += 4_000;
    const second = await app.request("/limited/a"); // t0 + 4 s
    expect(second.headers.get("x-ratelimit-remaining")).toBe("0");
    state.t += 2_500;
    const limited = await app.request("/limited/a"); // t0 + 6.5 s: oldest leaves at t0 + 10 s
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("4");
    expect(limited.headers.get("x-ratelimit-reset")).toBe(String(Math.ceil((5_000_000 + 10_000) / 1000)));
    state.t = 5_000_000 + 10_001;
    expect((await app.request("/limited/a")).status).toBe(200); // the first slid out; the second still counts
    expect((await app.request("/limited/a")).status).toBe(429);
  });
});
