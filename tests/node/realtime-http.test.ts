/**
 * Subscriptions over real loopback HTTP on Node (spec 20 §8, §9; spec 30 §3): heartbeats, the
 * bounded queue under a client that stops reading (each backpressure policy), and graceful
 * shutdown ending streams with a position the client resumes from on the next server.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCovara, type BackpressurePolicy } from "../../src/index.js";
import { createMemoryHub } from "../../src/realtime/memory-hub.js";
import { startServer, type RunningServer } from "../../node-shim/index.js";
import { nodeDatabases } from "./databases.js";
import type { DbHarness } from "../resources/harness.js";
import { readSse } from "../realtime/sse-reader.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met");
    await sleep(10);
  }
}

/** Opens an SSE request on a raw socket and never reads from it (until `drain()`). */
function stalledClient(port: number, path: string): Promise<{ socket: Socket; drain(): Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" }, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
      socket.pause();
      resolve({
        socket,
        drain: () =>
          new Promise((done) => {
            let text = "";
            socket.setEncoding("utf8");
            socket.on("data", (chunk: string) => {
              text += chunk;
              // The last chunk of a chunked response: the server ended the stream.
              if (text.endsWith("\r\n0\r\n\r\n")) done(text);
            });
            socket.on("end", () => done(text));
            socket.on("close", () => done(text));
            socket.resume();
          }),
      });
    });
    socket.on("error", reject);
  });
}

describe("subscriptions over HTTP", () => {
  let h: DbHarness;
  let closeDb: () => Promise<void>;
  beforeAll(async () => {
    ({ harness: h, close: closeDb } = await nodeDatabases.find((f) => f.name === "better-sqlite3")!.open());
  });
  afterAll(() => closeDb());

  const serve = async (sse: Record<string, unknown>, hub = createMemoryHub()) => {
    const app = createCovara({ realtime: { hub, sse } }).resource("/people", h.table, { id: h.table.id, db: h.db });
    const server = await startServer(app, { port: 0, hostname: "127.0.0.1", gracefulShutdown: false, drainTimeoutMs: 2000 });
    return { app, hub, server, base: `http://127.0.0.1:${server.port}` };
  };

  it("sends `: ping <ms>` heartbeats at the configured interval", async () => {
    await h.reset();
    const { server, base } = await serve({ heartbeatMs: 40 });
    try {
      const reader = readSse(await fetch(`${base}/api/people/subscribe`));
      await reader.until((frames) => frames.filter((f) => f.comment?.startsWith("ping ")).length >= 2, 3000);
      const ping = reader.frames.find((f) => f.comment?.startsWith("ping "))!;
      expect(Math.abs(Number(ping.comment!.slice(5)) - Date.now())).toBeLessThan(5000);
      await reader.close();
    } finally {
      await server.close();
    }
  });

  const big = (n: number) => ({ type: "create" as const, objectId: String(n), object: { id: n, name: "x".repeat(8000), email: "e", role: "user", age: 1, score: null, active: true, createdAt: null } });

  const stall = async (policy: BackpressurePolicy) => {
    await h.reset();
    const ctx = await serve({ maxQueueBytes: 8192, onBackpressure: policy });
    const client = await stalledClient(ctx.server.port, "/api/people/subscribe");
    await eventually(() => ctx.app.realtime.openStreams === 1);
    await sleep(50);
    // ~16 MB of events to a client that reads nothing: socket buffers fill, then the queue.
    for (let n = 1; n <= 2000; n++) {
      await ctx.hub.append("people", [big(n)]);
      if (n % 100 === 0) await sleep(1);
    }
    return { ...ctx, client };
  };

  it("closes a stalled stream after a slow-consumer invalidate (default policy), without growing", async () => {
    const { app, server, client } = await stall("invalidate");
    try {
      const rssBefore = process.memoryUsage().rss;
      await eventually(() => app.realtime.openStreams === 0);
      const text = await client.drain();
      const frames = text.split("\n\n").filter((f) => f.includes("data: "));
      expect(frames.at(-1)).toContain('data: {"type":"invalidate","reason":"slow-consumer"}');
      // Only what fitted the socket buffers and the 8 KiB queue was ever held: far below 16 MB.
      const delivered = frames.filter((f) => f.includes('"type":"added"')).length;
      expect(delivered).toBeLessThan(2000);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
    } finally {
      client.socket.destroy();
      await server.close();
    }
  });

  it("disconnect policy: closes without an invalidate; drop policy: stays open and skips", async () => {
    const disconnect = await stall("disconnect");
    try {
      await eventually(() => disconnect.app.realtime.openStreams === 0);
      const text = await disconnect.client.drain();
      expect(text).not.toContain("slow-consumer");
    } finally {
      disconnect.client.socket.destroy();
      await disconnect.server.close();
    }
    const drop = await stall("drop");
    try {
      await sleep(100);
      expect(drop.app.realtime.openStreams).toBe(1);
      drop.client.socket.destroy();
      await eventually(() => drop.app.realtime.openStreams === 0);
    } finally {
      await drop.server.close();
    }
  });

  it("graceful shutdown ends streams cleanly; the client resumes on the next server with nothing lost", async () => {
    await h.reset();
    const hub = createMemoryHub();
    const first = await serve({}, hub);
    const reader = readSse(await fetch(`${first.base}/api/people/subscribe`));
    await reader.synced();
    await fetch(`${first.base}/api/people`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "a", email: "a" }) });
    await reader.until(() => reader.events().length === 1);
    const closing = first.server.close();
    await reader.ended;
    await closing;
    const position = reader.frames.filter((f) => f.id !== undefined).at(-1)!.id!;
    // Meanwhile another instance (same hub, same database) takes a write.
    const second = await serve({}, hub);
    try {
      await fetch(`${second.base}/api/people`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "b", email: "b" }) });
      const resumed = readSse(await fetch(`${second.base}/api/people/subscribe`, { headers: { "last-event-id": position } }));
      await resumed.synced();
      expect(resumed.events().map((e) => [e.type, e.object.name])).toEqual([["added", "b"]]);
      await resumed.close();
    } finally {
      await second.server.close();
    }
  });
});

describe("SSE written straight to the Node response (startServer)", () => {
  let h: DbHarness;
  let closeDb: () => Promise<void>;
  beforeAll(async () => {
    ({ harness: h, close: closeDb } = await nodeDatabases.find((f) => f.name === "better-sqlite3")!.open());
  });
  afterAll(() => closeDb());

  const post = (base: string, name: string) =>
    fetch(`${base}/api/people`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name, email: name }) });

  it("keeps every header the app and its middleware set, and streams events", async () => {
    await h.reset();
    const app = createCovara({ cors: true, realtime: { hub: createMemoryHub() } });
    app.use("*", async (c, next) => {
      await next();
      c.header("X-Trace", "t-1");
      c.res.headers.append("Set-Cookie", "a=1; Path=/");
      c.res.headers.append("Set-Cookie", "b=2; Path=/");
    });
    app.resource("/people", h.table, { id: h.table.id, db: h.db });
    const server = await startServer(app, { port: 0, hostname: "127.0.0.1", gracefulShutdown: false, drainTimeoutMs: 2000 });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      const res = await fetch(`${base}/api/people/subscribe`, { headers: { origin: "https://app.example" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/event-stream");
      expect(res.headers.get("cache-control")).toBe("no-cache, no-transform");
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("x-trace")).toBe("t-1");
      expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
      expect(res.headers.has("x-hono-already-sent")).toBe(false);
      const reader = readSse(res);
      await reader.synced();
      await post(base, "a");
      await reader.until(() => reader.events().length === 1);
      expect(reader.events()[0]).toMatchObject({ type: "added", object: { name: "a" } });
      await reader.close();
      await eventually(() => app.realtime.openStreams === 0);
    } finally {
      await server.close();
    }
  });

  it("a middleware that replaces the stream's response wins, and the stream is closed", async () => {
    await h.reset();
    const app = createCovara({ realtime: { hub: createMemoryHub() } });
    app.use("*", async (c, next) => {
      await next();
      if (c.req.query("refuse") === "1") c.res = new Response("maintenance", { status: 503 });
    });
    app.resource("/people", h.table, { id: h.table.id, db: h.db });
    const server = await startServer(app, { port: 0, hostname: "127.0.0.1", gracefulShutdown: false, drainTimeoutMs: 2000 });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      const refused = await fetch(`${base}/api/people/subscribe?refuse=1`);
      expect(refused.status).toBe(503);
      expect(await refused.text()).toBe("maintenance");
      await eventually(() => app.realtime.openStreams === 0);
      // The connection is reusable and the next subscription streams as usual.
      const reader = readSse(await fetch(`${base}/api/people/subscribe`));
      await reader.synced();
      await post(base, "b");
      await reader.until(() => reader.events().length === 1);
      await reader.close();
    } finally {
      await server.close();
    }
  });

  it("the same app under @hono/node-server's own serve() streams through a web body", async () => {
    await h.reset();
    const { serve } = await import("@hono/node-server");
    const app = createCovara({ realtime: { hub: createMemoryHub() } }).resource("/people", h.table, { id: h.table.id, db: h.db });
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
    });
    const { port } = server.address() as { port: number };
    const base = `http://127.0.0.1:${port}`;
    try {
      const reader = readSse(await fetch(`${base}/api/people/subscribe`));
      await reader.synced();
      await post(base, "c");
      await reader.until(() => reader.events().length === 1);
      expect(reader.events()[0]).toMatchObject({ type: "added", object: { name: "c" } });
      await reader.close();
      await eventually(() => app.realtime.openStreams === 0);
    } finally {
      (server as import("node:http").Server).closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("SSE on a Node response: pacing, HEAD and late answers", () => {
  let h: DbHarness;
  let closeDb: () => Promise<void>;
  beforeAll(async () => {
    ({ harness: h, close: closeDb } = await nodeDatabases.find((f) => f.name === "better-sqlite3")!.open());
  });
  afterAll(() => closeDb());

  const start = (app: ReturnType<typeof createCovara>) => startServer(app, { port: 0, hostname: "127.0.0.1", gracefulShutdown: false, drainTimeoutMs: 1000 });

  it("paces a snapshot through a queue limit below the socket's own buffer, and completes it", async () => {
    await h.reset();
    const name = "x".repeat(300);
    const rows = Array.from({ length: 600 }, (_, i) => ({ name, email: `e${i}` }));
    for (let i = 0; i < rows.length; i += 200) await (h.db as any).insert(h.table).values(rows.slice(i, i + 200));
    const app = createCovara({ realtime: { hub: createMemoryHub(), sse: { maxQueueBytes: 8192, snapshotPageSize: 30 } } }).resource("/people", h.table, { id: h.table.id, db: h.db });
    const server = await start(app);
    try {
      const reader = readSse(await fetch(`http://127.0.0.1:${server.port}/api/people/subscribe`));
      await reader.synced(10_000);
      expect(reader.frames.filter((f) => f.data?.type === "existing")).toHaveLength(600);
      await reader.close();
    } finally {
      await server.close();
    }
  });

  it("answers HEAD at once without opening a stream, and the connection stays usable", async () => {
    await h.reset();
    const app = createCovara({ realtime: { hub: createMemoryHub() } }).resource("/people", h.table, { id: h.table.id, db: h.db });
    const server = await start(app);
    const base = `http://127.0.0.1:${server.port}`;
    try {
      const head = await fetch(`${base}/api/people/subscribe`, { method: "HEAD", signal: AbortSignal.timeout(3000) });
      expect(head.status).toBe(200);
      expect(head.headers.get("content-type")).toBe("text/event-stream");
      expect((await fetch(`${base}/api/people/subscribe?filter=nosuchfield==1`, { method: "HEAD" })).status).toBe(400);
      expect((await fetch(`${base}/__covara/stream`, { method: "HEAD", signal: AbortSignal.timeout(3000) })).status).toBeLessThan(500);
      expect(app.realtime.openStreams).toBe(0);
      expect((await fetch(`${base}/api/people`, { signal: AbortSignal.timeout(3000) })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("a stream whose route answers after a middleware already did is closed, not held", async () => {
    await h.reset();
    const memory = createMemoryHub();
    // A hub that takes its time to register, so the route claims the response late.
    const hub: typeof memory = Object.assign(Object.create(memory), {
      connect: async (...args: Parameters<typeof memory.connect>) => {
        await sleep(200);
        return memory.connect(...args);
      },
    });
    const app = createCovara({ realtime: { hub } });
    app.use("*", async (c, next) => {
      const late = await Promise.race([next().then(() => false), sleep(50).then(() => true)]);
      if (late) c.res = new Response("gateway timeout", { status: 504 });
    });
    app.resource("/people", h.table, { id: h.table.id, db: h.db });
    const server = await start(app);
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/api/people/subscribe`);
      expect(res.status).toBe(504);
      await sleep(300);
      await eventually(() => app.realtime.openStreams === 0);
    } finally {
      await server.close();
    }
  });
});

describe("per-IP subscription limits behind a reverse proxy (Node)", () => {
  let h: DbHarness;
  let closeDb: () => Promise<void>;
  beforeAll(async () => {
    ({ harness: h, close: closeDb } = await nodeDatabases.find((f) => f.name === "better-sqlite3")!.open());
  });
  afterAll(() => closeDb());

  const subscribe = (base: string, forwardedFor: string) => fetch(`${base}/api/people/subscribe`, { headers: { "x-forwarded-for": forwardedFor } });

  it("counts anonymous subscribers by the forwarded address only when the proxy is trusted", async () => {
    await h.reset();
    for (const trustedProxies of [["127.0.0.1"], undefined]) {
      const app = createCovara({ realtime: { hub: createMemoryHub(), sse: { maxSubscriptionsPerIP: 1, trustedProxies } } }).resource("/people", h.table, { id: h.table.id, db: h.db });
      const server = await startServer(app, { port: 0, hostname: "127.0.0.1", gracefulShutdown: false, drainTimeoutMs: 1000 });
      const base = `http://127.0.0.1:${server.port}`;
      try {
        const first = await subscribe(base, "203.0.113.7");
        expect(first.status).toBe(200);
        const sameClient = await subscribe(base, "203.0.113.7");
        expect(sameClient.status).toBe(429);
        const otherClient = await subscribe(base, "198.51.100.9");
        // Trusted: another client behind the proxy has its own budget. Untrusted: a header a
        // client can write says nothing, every subscriber is the socket's 127.0.0.1.
        expect(otherClient.status).toBe(trustedProxies ? 200 : 429);
        for (const res of [first, sameClient, otherClient]) await res.body?.cancel();
      } finally {
        await server.close();
      }
    }
  });
});
