/**
 * Two Node server processes sharing Redis and PostgreSQL (issue #5, spec 20 §15): a write through
 * one reaches the subscribers of the other in order with the same changelog positions, and a
 * subscriber dropped from one resumes on the other without losing or repeating an event. Then
 * the churn test on the Redis hub in this process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import postgres from "postgres";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisHub } from "../../node-shim/redis/hub.js";
import { churnSuite } from "../realtime/churn.suite.js";
import { readSse } from "../realtime/sse-reader.js";
import type { DbHarness } from "../resources/harness.js";
import { nodeDatabases } from "./databases.js";

const root = resolve(import.meta.dirname, "../..");
const DATABASE_URL = process.env.DATABASE_URL!;
const REDIS_URL = process.env.REDIS_URL!;
const run = randomBytes(4).toString("hex");
const prefix = `covara-multi:${run}`;
const table = `rt_multi_${run}`;

function startProcess(): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(resolve(root, "node_modules/.bin/tsx"), ["tests/fixtures/realtime-node-server.ts"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL, REDIS_URL, REDIS_PREFIX: prefix, TABLE: table, COVARA_LOG_LEVEL: "error" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error("server did not start")), 20_000);
    createInterface({ input: child.stdout! }).once("line", (line) => {
      clearTimeout(timer);
      done({ child, base: `http://127.0.0.1:${JSON.parse(line).port}` });
    });
    child.once("exit", (code) => fail(new Error(`server exited with ${code}`)));
  });
}

describe.runIf(DATABASE_URL && REDIS_URL)("two Node processes on Redis and PostgreSQL", () => {
  let sql: ReturnType<typeof postgres>;
  let a: { child: ChildProcess; base: string };
  let b: { child: ChildProcess; base: string };

  beforeAll(async () => {
    sql = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
    await sql.unsafe(`create table ${table} (id serial primary key, name text not null, n integer)`);
    [a, b] = await Promise.all([startProcess(), startProcess()]);
  }, 60_000);

  afterAll(async () => {
    for (const p of [a, b]) p?.child.kill("SIGTERM");
    await sql.unsafe(`drop table if exists ${table}`);
    await sql.end();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const post = (base: string, body: unknown) => fetch(`${base}/api/items`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  it("delivers a write through one process to subscribers of both, in order, with the same positions", async () => {
    const onA = readSse(await fetch(`${a.base}/api/items/subscribe`));
    const onB = readSse(await fetch(`${b.base}/api/items/subscribe?filter=n=gt=0`));
    await onA.synced();
    await onB.synced();
    for (let n = 1; n <= 10; n++) expect((await post(n % 2 ? a.base : b.base, { name: `i${n}`, n })).status).toBe(201);
    const id = (await (await post(a.base, { name: "zero", n: 0 })).json()).id;
    await fetch(`${b.base}/api/items/${id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ n: 5 }) });
    await onA.until(() => onA.events().length === 12);
    await onB.until(() => onB.events().length === 11);
    const rows = (r: typeof onA) => r.frames.filter((f) => f.data?.type).map((f) => [f.id, f.data.type, f.data.object.name]);
    expect(rows(onA).map((x) => x[2])).toEqual([...Array.from({ length: 10 }, (_, i) => `i${i + 1}`), "zero", "zero"]);
    // B filtered `n=gt=0`: "zero" enters on its update, as `added`, at the same position A saw the update at.
    expect(rows(onB)).toEqual([...rows(onA).slice(0, 10), [rows(onA)[11]![0], "added", "zero"]]);
    const ids = rows(onA).map((x) => Number(x[0]));
    expect(ids).toEqual(ids.map((_, i) => ids[0]! + i));
    await onA.close();
    await onB.close();
  });

  it("resumes on the other process from Last-Event-ID, with nothing lost or repeated", async () => {
    const first = readSse(await fetch(`${a.base}/api/items/subscribe`));
    await first.synced();
    const position = first.frames.find((f) => f.event === "synced")!.id!;
    await first.close();
    await post(a.base, { name: "missed-1", n: 1 });
    await post(b.base, { name: "missed-2", n: 2 });
    const resumed = readSse(await fetch(`${b.base}/api/items/subscribe`, { headers: { "last-event-id": position } }));
    await resumed.synced();
    await post(a.base, { name: "live", n: 3 });
    await resumed.until(() => resumed.events().length === 3);
    expect(resumed.frames.filter((f) => f.data?.type).map((f) => [Number(f.id) - Number(position), f.data.object.name])).toEqual([
      [1, "missed-1"],
      [2, "missed-2"],
      [3, "live"],
    ]);
    await resumed.close();
  });
});

describe.runIf(DATABASE_URL && REDIS_URL)("churn on the Redis hub (Postgres)", () => {
  let harness: DbHarness;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ harness, close } = await nodeDatabases.find((f) => f.name === "postgres-js")!.open());
  });
  afterAll(() => close());
  churnSuite("redis", () => harness, async () => {
    const churnPrefix = `covara-churn:${randomBytes(4).toString("hex")}`;
    const hub = await createRedisHub({ url: REDIS_URL, prefix: churnPrefix });
    return {
      hub,
      close: async () => {
        const keys = await hub.client.keys(`${churnPrefix}:*`);
        if (keys.length > 0) await hub.client.del(...keys);
        await hub.close();
      },
    };
  });
});
