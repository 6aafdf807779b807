/** `startServer` over real loopback HTTP: listening, draining, readiness and signals. */
import { describe, it, expect } from "vitest";
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { createCovara } from "../../src/index.js";
import { startServer } from "../../node-shim/index.js";

const root = resolve(import.meta.dirname, "../..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function slowApp(holdMs: number) {
  const app = createCovara();
  app.get("/slow", async (c) => {
    await sleep(holdMs);
    return c.json({ done: true });
  });
  return app;
}

describe("startServer", () => {
  it("listens on the requested port and resolves with it", async () => {
    const server = await startServer(createCovara(), { port: 0, hostname: "127.0.0.1", gracefulShutdown: false });
    try {
      expect(server.port).toBeGreaterThan(0);
      const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect(await res.json()).toMatchObject({ status: "healthy" });
    } finally {
      await server.close();
    }
  });

  it("sends the security headers over real HTTP on every response, and a route's own value wins", async () => {
    const app = createCovara();
    app.get("/framed", (c) => c.text("ok", 200, { "X-Frame-Options": "SAMEORIGIN", "Set-Cookie": "a=1" }));
    app.get("/raw", () => new Response("raw", { headers: { "x-frame-options": "ALLOW-FROM https://a.example" } }));
    app.get("/stream", () => new Response(new ReadableStream({ start(ctl) { ctl.enqueue(new TextEncoder().encode("data: 1\n\n")); ctl.close(); } }), { headers: { "content-type": "text/event-stream" } }));
    const server = await startServer(app, { port: 0, hostname: "127.0.0.1", gracefulShutdown: false });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      for (const path of ["/healthz", "/nope", "/stream", "/framed", "/raw"]) {
        const res = await fetch(base + path);
        await res.text();
        expect(res.headers.get("x-content-type-options")).toBe("nosniff");
        expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
        expect(res.headers.get("cross-origin-opener-policy")).toBe("same-origin");
        expect(res.headers.has("strict-transport-security")).toBe(false);
        const frame = res.headers.get("x-frame-options");
        expect(frame).toBe(path === "/framed" ? "SAMEORIGIN" : path === "/raw" ? "ALLOW-FROM https://a.example" : "DENY");
      }
      const framed = await fetch(`${base}/framed`);
      expect(framed.headers.get("set-cookie")).toBe("a=1");
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("close(): readiness turns 503 at once, in-flight requests finish, then the listener closes", async () => {
    const server = await startServer(slowApp(400), { port: 0, hostname: "127.0.0.1", gracefulShutdown: false });
    const base = `http://127.0.0.1:${server.port}`;
    const inFlight = fetch(`${base}/slow`);
    await sleep(50);
    const closed = server.close();
    const ready = await fetch(`${base}/readyz`, { headers: { connection: "close" } });
    expect(ready.status).toBe(503);
    expect((await ready.json()).checks[0]).toMatchObject({ name: "readiness", healthy: false });
    expect((await fetch(`${base}/healthz`, { headers: { connection: "close" } })).status).toBe(200);
    expect(await (await inFlight).json()).toEqual({ done: true });
    await closed;
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it("close() gives up waiting after drainTimeoutMs", async () => {
    const server = await startServer(slowApp(60_000), { port: 0, hostname: "127.0.0.1", gracefulShutdown: false, drainTimeoutMs: 300 });
    const stuck = fetch(`http://127.0.0.1:${server.port}/slow`).catch(() => "aborted");
    await sleep(50);
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await stuck).toBe("aborted");
  });

  it("SIGTERM drains and exits 0; a second signal exits at once", async () => {
    const script = `
      import { createCovara } from "./src/index.ts";
      import { startServer } from "./node-shim/index.ts";
      const app = createCovara();
      app.get("/slow", async (c) => { await new Promise((r) => setTimeout(r, Number(process.env.HOLD))); return c.json({ done: true }); });
      const s = await startServer(app, { port: 0, hostname: "127.0.0.1", drainTimeoutMs: 20000 });
      console.log("PORT " + s.port);`;
    const run = (hold: number) => {
      const child = spawn(resolve(root, "node_modules/.bin/tsx"), ["--input-type=module", "-e", script], { cwd: root, env: { ...process.env, HOLD: String(hold) } });
      const port = new Promise<number>((ok) => child.stdout.on("data", (d) => { const m = /PORT (\d+)/.exec(String(d)); if (m) ok(Number(m[1])); }));
      const exit = new Promise<number | null>((ok) => child.on("exit", (code) => ok(code)));
      return { child, port, exit };
    };

    const graceful = run(500);
    const base = `http://127.0.0.1:${await graceful.port}`;
    const inFlight = fetch(`${base}/slow`);
    await sleep(50);
    graceful.child.kill("SIGTERM");
    await sleep(50);
    expect((await fetch(`${base}/readyz`, { headers: { connection: "close" } })).status).toBe(503);
    expect(await (await inFlight).json()).toEqual({ done: true });
    expect(await graceful.exit).toBe(0);

    const forced = run(60_000);
    const forcedBase = `http://127.0.0.1:${await forced.port}`;
    const hanging = fetch(`${forcedBase}/slow`).catch(() => "aborted");
    await sleep(50);
    const started = Date.now();
    forced.child.kill("SIGTERM");
    await sleep(100);
    forced.child.kill("SIGTERM");
    expect(await forced.exit).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await hanging).toBe("aborted");
  }, 30_000);
});
