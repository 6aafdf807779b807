/**
 * Reconnection rules (spec 80 §4.6, spec 20 §3, §9): a connection cut before `synced` restarts
 * fresh and sweeps rows that vanished meanwhile; failed attempts back off with full jitter,
 * capped, and keep going until the server answers; errors that a retry cannot fix stop retrying.
 * A proxy in front of the real server cuts or refuses streams on cue.
 */
import { Hono } from "hono";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../node-shim/index.js";
import { createClient, reconnectDelay, TransportError } from "../../src/client/index.js";
import { eventually, openDb, serve, type TestDb, type TestServer, type Todo } from "./fixture.js";

/** How the proxy treats the next subscribe requests. */
type Mode = { kind: "pass" } | { kind: "cut-after-first-existing" } | { kind: "end-after-synced" } | { kind: "fail"; status: number; times: number; retryAfter?: number };

describe("reconnect", () => {
  let db: TestDb;
  let upstream: TestServer;
  let proxy: RunningServer;
  let base: string;
  /** Modes for the next subscribe requests, in order; then `pass`. */
  let modes: Mode[] = [];
  let attempts: { at: number; position: string | null; status: number }[] = [];

  beforeAll(async () => {
    db = openDb();
    upstream = await serve({ db });
    const app = new Hono();
    app.all("*", async (c) => {
      const url = new URL(c.req.url);
      const target = `${upstream.origin}${url.pathname}${url.search}`;
      if (!url.pathname.endsWith("/subscribe")) return fetch(new Request(target, c.req.raw));
      const position = c.req.header("last-event-id") ?? null;
      const mode: Mode = modes[0] ?? { kind: "pass" };
      if (mode.kind !== "fail" || --mode.times === 0) modes.shift();
      if (mode.kind === "fail") {
        attempts.push({ at: Date.now(), position, status: mode.status });
        if (mode.retryAfter !== undefined) c.header("Retry-After", String(mode.retryAfter));
        return c.json({ type: "/__covara/problems/x", title: "Nope", status: mode.status, detail: "proxy says no" }, mode.status as 503);
      }
      const response = await fetch(target, { headers: c.req.raw.headers });
      attempts.push({ at: Date.now(), position, status: response.status });
      if (!response.body) return response;
      const marker = mode.kind === "cut-after-first-existing" ? '"type":"existing"' : mode.kind === "end-after-synced" ? "event: synced" : undefined;
      const cut = marker !== undefined;
      // Forwarded by hand so a client that leaves cancels the upstream stream quietly. With a
      // marker, only up to the end of the first frame containing it, then the stream ends.
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let seen = "";
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
          if (done || !value) return controller.close();
          if (!cut) return controller.enqueue(value);
          seen += decoder.decode(value, { stream: true });
          const at = seen.indexOf(marker!);
          const end = at === -1 ? -1 : seen.indexOf("\n\n", at);
          if (end === -1) return;
          controller.enqueue(new TextEncoder().encode(seen.slice(0, end + 2)));
          controller.close();
          await reader.cancel();
        },
        cancel: () => reader.cancel().catch(() => undefined),
      });
      return new Response(body, { status: response.status, headers: response.headers });
    });
    proxy = await startServer(app, { port: 0, hostname: "127.0.0.1", gracefulShutdown: false, drainTimeoutMs: 500 });
    base = `http://127.0.0.1:${proxy.port}`;
  });
  afterAll(async () => {
    await proxy.close();
    await upstream.close();
    db.close();
  });
  beforeEach(() => {
    db.reset();
    attempts = [];
    modes = [];
  });

  it("restarts fresh when cut before synced, and drops rows the new snapshot no longer has", async () => {
    const client = createClient({ baseUrl: base, reconnect: { baseDelayMs: 200, maxDelayMs: 200, random: () => 0.99 } });
    const todos = client.resource<Todo>("/api/todos");
    const [first] = await todos.batchCreate([{ title: "a" }, { title: "b" }]);
    const log: string[] = [];
    modes = [{ kind: "cut-after-first-existing" }];
    const sub = todos.subscribe({}, {
      onConnected: () => log.push("connected"),
      onExisting: (t) => log.push(`existing:${t.title}`),
      onSynced: () => log.push("synced"),
      onRemoved: (id) => log.push(`removed:${id}`),
      onDisconnected: () => log.push("disconnected"),
    });
    await eventually(() => log.includes("disconnected"));
    expect(sub.state.lastSeq).toBe(0);
    // While it waits to reconnect, the row it already holds is deleted elsewhere.
    await upstream.app.request(`/api/todos/${first!.id}`, { method: "DELETE" });
    await eventually(() => log.includes("synced"), 5000);
    sub.unsubscribe();
    expect(log).toEqual(["connected", "existing:a", "disconnected", "connected", "existing:b", `removed:${first!.id}`, "synced"]);
    expect(attempts.map((a) => a.position)).toEqual([null, null]);
  });

  it("backs off with full jitter up to the cap, keeps retrying, and starts over once connected", async () => {
    const client = createClient({ baseUrl: base, reconnect: { baseDelayMs: 20, maxDelayMs: 400, random: () => 0.999 } });
    modes = [{ kind: "fail", status: 503, times: 7 }, { kind: "end-after-synced" }, { kind: "fail", status: 503, times: 1 }];
    const connected: number[] = [];
    const errors: unknown[] = [];
    const sub = client.resource<Todo>("/api/todos").subscribe({}, { onConnected: (seq) => connected.push(seq), onError: (e) => errors.push(e) });
    await eventually(() => connected.length === 2, 8000);
    sub.unsubscribe();
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i]!.at);
    expect(attempts.map((a) => a.status)).toEqual([503, 503, 503, 503, 503, 503, 503, 200, 503, 200]);
    // Nominal delays (× 0.999): 20, 40, 80, 160, 320, then flat at the 400 cap.
    for (const [i, nominal] of [20, 40, 80, 160, 320, 400, 400].entries()) {
      expect(gaps[i]).toBeGreaterThanOrEqual(nominal - 10);
      // Generous for loaded machines, yet below the next uncapped step (800).
      expect(gaps[i]).toBeLessThan(nominal + 300);
    }
    // Connected once: the backoff started over at 20, then 40 (without a reset: 400, 400).
    expect(gaps[7]).toBeLessThan(300);
    expect(gaps[8]).toBeLessThan(300);
    expect(errors).toEqual([]);
  });

  it("computes full-jitter delays capped at 30 s by default", () => {
    expect(reconnectDelay(0, { random: () => 0.5 })).toBe(500);
    expect(reconnectDelay(3, { random: () => 0.5 })).toBe(4000);
    expect(reconnectDelay(5, { random: () => 0.999999 })).toBe(29_999);
    expect(reconnectDelay(10_000, { random: () => 0.999999 })).toBe(29_999);
    expect(reconnectDelay(4, { random: () => 0 })).toBe(0);
    for (let attempt = 0; attempt < 40; attempt++) expect(reconnectDelay(attempt)).toBeLessThan(30_000);
  });

  it("stops retrying on an error a retry cannot fix, and says why once", async () => {
    const client = createClient({ baseUrl: base, reconnect: { baseDelayMs: 10, maxDelayMs: 20 } });
    const errors: unknown[] = [];
    const sub = client.resource<Todo>("/api/todos").subscribe({ filter: "title==bare" }, { onError: (e) => errors.push(e) });
    await eventually(() => errors.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(attempts).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TransportError);
    expect((errors[0] as TransportError).code).toBe("FILTER_PARSE_ERROR");
    expect(sub.state.error).toBe(errors[0]);
    // reconnect() tries again on demand.
    sub.reconnect();
    await eventually(() => errors.length === 2);
    sub.unsubscribe();
  });

  it("waits at least Retry-After after a 429", async () => {
    const client = createClient({ baseUrl: base, reconnect: { baseDelayMs: 1, maxDelayMs: 1 } });
    modes = [{ kind: "fail", status: 429, times: 1, retryAfter: 1 }];
    let connected = false;
    const sub = client.resource<Todo>("/api/todos").subscribe({}, { onConnected: () => (connected = true) });
    await eventually(() => connected, 4000);
    sub.unsubscribe();
    expect(attempts.map((a) => a.status)).toEqual([429, 200]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(950);
  });
});
