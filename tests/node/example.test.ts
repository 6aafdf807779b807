/**
 * The README's commands: `npm start` serves the example on Node with a SQLite file, and the same
 * example runs as a Worker on D1 in workerd without nodejs_compat (what `npm run dev:workers` serves).
 */
import { describe, it, expect } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createTestHarness } from "wrangler";
import { readSse } from "../realtime/sse-reader.js";

const root = resolve(import.meta.dirname, "../..");

async function exerciseUsers(fetchPath: (path: string, init?: RequestInit) => Promise<Response>) {
  const created = await fetchPath("/api/users", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Ada", email: "ada@example.com", age: 36 }),
  });
  expect(created.status).toBe(201);
  const row = await created.json();
  expect(row).toMatchObject({ name: "Ada", role: "user", age: 36 });
  const list = await (await fetchPath(`/api/users?filter=${encodeURIComponent('name=="Ada"')}`)).json();
  expect(list.items.map((r: { id: number }) => r.id)).toContain(row.id);
  const todo = await fetchPath("/api/todos", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ title: "write docs" }) });
  expect(await todo.json()).toMatchObject({ title: "write docs", done: false, position: 0 });
}

describe("the example app", () => {
  it("npm start: serves the example over HTTP from a SQLite file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "covara-example-"));
    const child = spawn(join(root, "node_modules/.bin/tsx"), ["example/server.ts"], {
      cwd: root,
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", DB_FILE: join(dir, "example.db") },
    });
    try {
      const port = await new Promise<number>((ok, fail) => {
        let out = "";
        child.stdout.on("data", (d) => {
          out += d;
          const match = /localhost:(\d+)/.exec(out);
          if (match) ok(Number(match[1]));
        });
        child.on("exit", (code) => fail(new Error(`example exited with ${code}`)));
      });
      await exerciseUsers((path, init) => fetch(`http://127.0.0.1:${port}${path}`, init));
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("dev:workers: the same example runs on D1 inside workerd, without nodejs_compat", async () => {
    const server = createTestHarness({ workers: [{ configPath: join(root, "wrangler.toml") }] });
    try {
      await server.listen();
      await server.getWorker().applyD1Migrations("DB");
      const fetchPath = (path: string, init?: RequestInit) => server.fetch(path, init as never) as unknown as Promise<Response>;
      await exerciseUsers(fetchPath);
      // Live: a subscription held by the Worker, fed by the hub Durable Object.
      const live = readSse(await fetchPath("/api/todos/subscribe?skipExisting=true"));
      await live.synced();
      await fetchPath("/api/todos", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ title: "live" }) });
      await live.until(() => live.events().length === 1);
      expect(live.events()[0]).toMatchObject({ type: "added", object: { title: "live" } });
      await live.close();
    } finally {
      await server.close();
    }
  }, 90_000);
});
