// The floor for bench/sse-fanout.mjs (`--hubs bare`): the same transport as Covara on Node (Hono,
// @hono/node-server, a web ReadableStream per subscriber, a heartbeat timer each) and the same
// SQLite insert, with nothing else: no scopes, filters, changelog or backpressure. Figures next to
// it show what this machine's loopback, HTTP stack and client cost, apart from Covara.
// Env: PORT, HOST, DB_FILE (a seeded users table).
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import Database from "better-sqlite3";
import { installMemoryReport } from "./lib/memory-report.mjs";

installMemoryReport();

const { DB_FILE, PORT = "3000", HOST = "127.0.0.1" } = process.env;
if (!DB_FILE) throw new Error("DB_FILE is required");
const db = new Database(DB_FILE);
const insert = db.prepare("INSERT INTO users (name, email, role, age, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *");
const count = db.prepare("SELECT count(*) AS count FROM users");
const encoder = new TextEncoder();
const streams = new Set();
let position = 0;

const app = new Hono();
app.get("/api/users/count", (c) => c.json(count.get()));
app.get("/api/users/subscribe", () => {
  const subscriber = { id: `${crypto.randomUUID()}:users`, seq: 0, controller: undefined, timer: undefined };
  const body = new ReadableStream(
    {
      start(controller) {
        subscriber.controller = controller;
        streams.add(subscriber);
        controller.enqueue(encoder.encode(`event: connected\ndata: {"seq":${position}}\n\n`));
        subscriber.timer = setInterval(() => controller.enqueue(encoder.encode(`: ping ${Date.now()}\n\n`)), 20_000);
        subscriber.timer.unref();
      },
      cancel() {
        clearInterval(subscriber.timer);
        streams.delete(subscriber);
      },
    },
    { highWaterMark: 65_536, size: (chunk) => chunk.byteLength },
  );
  return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
});
app.post("/api/users", async (c) => {
  const input = await c.req.json();
  const row = insert.get(input.name, input.email, input.role ?? "user", input.age ?? null, Date.now());
  const at = ++position;
  const object = JSON.stringify(row);
  // One frame per subscriber, as each carries its own event id and counter.
  for (const s of streams) {
    const head = JSON.stringify({ id: crypto.randomUUID(), subscriptionId: s.id, seq: ++s.seq, timestamp: Date.now(), type: "added" });
    s.controller.enqueue(encoder.encode(`id: ${at}\ndata: ${head.slice(0, -1)},"object":${object}}\n\n`));
  }
  return c.json(row, 201);
});
serve({ fetch: app.fetch, port: Number(PORT), hostname: HOST });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
