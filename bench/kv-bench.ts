/**
 * KV throughput: operations per second for get, set, increment and hit (one hit = one rate-limit
 * decision) on the memory store and on Redis, each measured for about a second.
 *
 *   npx tsx bench/kv-bench.ts [--seconds 1] [--redis redis://127.0.0.1:6379]
 *
 * Memory: a tight loop of awaited calls (the issue asks ≥ 1,000,000 increments/s in-process).
 * Redis: awaited one at a time (one round trip per call), then N calls in flight at once, which
 * ioredis auto-pipelining writes as one batch per tick; "pipelining off" shows what batching adds
 * on top of mere concurrency. Keys live under a random prefix and are deleted at the end.
 * The Durable Object backend is not measured here: it only runs inside workerd, and miniflare's
 * local simulation says nothing about production, where one object serves on the order of
 * 1,000 requests/s and the client spreads keys over `shards` objects.
 */
import { randomBytes } from "node:crypto";
import type { KvStore } from "../src/ports/kv-store.js";
import { createMemoryKV } from "../node-shim/memory/kv-store.js";
import { createRedisKV } from "../node-shim/redis/kv-store.js";

const args = process.argv.slice(2);
const argValue = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const seconds = Number(argValue("--seconds") ?? 1);
const redisUrl = argValue("--redis") ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

type Op = (kv: KvStore, i: number) => Promise<unknown>;

const OPS: Record<string, Op> = {
  get: (kv, i) => kv.get(`k${i & 1023}`),
  set: (kv, i) => kv.set(`k${i & 1023}`, "value-0123456789"),
  increment: (kv) => kv.increment("counter"),
  "hit (rate-limit decision)": (kv, i) => kv.hit(`rl:${i & 1023}`, 60_000),
};

/** Runs `op` with `concurrency` calls in flight (1 = awaited one by one) for `seconds`; ops/s. */
async function measure(kv: KvStore, op: Op, concurrency: number, chunk: number): Promise<number> {
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  let done = 0;
  while (performance.now() < until) {
    if (concurrency === 1) {
      for (let i = 0; i < chunk; i++) await op(kv, done + i);
      done += chunk;
    } else {
      const batch: Promise<unknown>[] = new Array(concurrency);
      for (let i = 0; i < concurrency; i++) batch[i] = op(kv, done + i);
      await Promise.all(batch);
      done += concurrency;
    }
  }
  return done / ((performance.now() - started) / 1000);
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US").padStart(12);

async function memory(): Promise<void> {
  console.log(`\nmemory (in-process, awaited one at a time, ${seconds}s each)`);
  const kv = createMemoryKV();
  for (const op of Object.values(OPS)) await measure(kv, op, 1, 10_000); // warm-up
  for (const [name, op] of Object.entries(OPS)) {
    console.log(`  ${name.padEnd(28)} ${fmt(await measure(kv, op, 1, 10_000))} ops/s`);
  }
}

async function redis(): Promise<void> {
  const prefix = `covara-bench:${randomBytes(6).toString("hex")}`;
  let kv;
  let plain;
  try {
    kv = await createRedisKV({ url: redisUrl, prefix });
    plain = await createRedisKV({ url: redisUrl, prefix, redisOptions: { enableAutoPipelining: false } });
  } catch (err) {
    console.log(`\nredis: skipped (${err instanceof Error ? err.message : String(err)})`);
    await kv?.close();
    return;
  }
  try {
    console.log(`\nredis ${redisUrl} (${seconds}s each)`);
    console.log(`  ${"".padEnd(28)} ${"awaited".padStart(12)} ${"16 in flight".padStart(12)} ${"256 in flight".padStart(14)} ${"256, no pipelining".padStart(20)}`);
    for (const [name, op] of Object.entries(OPS)) {
      const sequential = await measure(kv, op, 1, 100);
      const c16 = await measure(kv, op, 16, 0);
      const c256 = await measure(kv, op, 256, 0);
      const c256plain = await measure(plain, op, 256, 0);
      console.log(`  ${name.padEnd(28)} ${fmt(sequential)} ${fmt(c16)} ${fmt(c256).padStart(14)} ${fmt(c256plain).padStart(20)}  ops/s`);
    }
  } finally {
    let cursor = "0";
    do {
      const [next, keys] = await kv.client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await kv.client.unlink(...keys);
    } while (cursor !== "0");
    await Promise.all([kv.close(), plain.close()]);
  }
}

console.log(`KV benchmark — Node ${process.version}`);
await memory();
await redis();
console.log("\ndurable-object: not measured here (workerd only; see the header of bench/kv-bench.ts)");
