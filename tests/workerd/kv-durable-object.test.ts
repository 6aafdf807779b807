/**
 * The KV contract on `CovaraKVDurableObject` inside workerd (8 shards, one prefix per test), then
 * what only the DO has: keys spread over named shards, state surviving eviction and reset,
 * the alarm that sweeps expired rows, and exact counting across concurrent Worker requests.
 */
import { env, exports } from "cloudflare:workers";
import { abortAllDurableObjects, evictAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDurableObjectKV, KV_SWEEP_DELAY_MS, KvStoreObject, shardOf, type DurableObjectKvStore } from "../../durable-objects/index.js";
import { kvStoreContract } from "../contracts/kv-store.contract.js";

let tests = 0;

/** Deletes every key of a store (so a test leaves its shards as it found them). */
async function clear(store: DurableObjectKvStore): Promise<void> {
  for (;;) {
    const { keys } = await store.list("", { limit: 1000 });
    if (keys.length === 0) return;
    await Promise.all(keys.map((key) => store.delete(key)));
  }
}

kvStoreContract("durable-object", async () => {
  const store = createDurableObjectKV(env.COVARA_KV, { prefix: `contract-${++tests}` });
  return { store, cleanup: () => clear(store) };
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const shardStub = (name: string, shard: number) => env.COVARA_KV.get(env.COVARA_KV.idFromName(`${name}:${shard}`));

/** Rows in one shard's table, expired ones included (they go only when read or swept). */
function rowCount(name: string, shard: number): Promise<number> {
  return runInDurableObject(shardStub(name, shard), (_instance: KvStoreObject, state) => {
    return Number(state.storage.sql.exec("SELECT COUNT(*) AS n FROM covara_kv").one().n);
  });
}

describe("Durable Object KV: shards", () => {
  it("spreads keys over the named shards by a stable hash", async () => {
    const kv = createDurableObjectKV(env.COVARA_KV, { name: "spread", shards: 4 });
    const keys = Array.from({ length: 40 }, (_, i) => `user:${i}`);
    await Promise.all(keys.map((key) => kv.set(key, "v")));
    const expected = [0, 1, 2, 3].map((shard) => keys.filter((key) => shardOf(key, 4) === shard).length);
    expect(expected.filter((n) => n > 0).length).toBeGreaterThan(1);
    expect(await Promise.all([0, 1, 2, 3].map((shard) => rowCount("spread", shard)))).toEqual(expected);
    expect((await kv.list("user:", { limit: 1000 })).keys).toHaveLength(40);
  });

  it("refuses a shard count it cannot use", () => {
    for (const shards of [0, 1.5, 257]) expect(() => createDurableObjectKV(env.COVARA_KV, { shards })).toThrow(TypeError);
  });

  it("answers 400 with a KvError code for a malformed request", async () => {
    const stub = shardStub("raw", 0);
    const bad = await stub.fetch("https://covara-kv.internal/", { method: "POST", body: "not json" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, code: "INVALID_ARGUMENT" });
    const unknown = await stub.fetch("https://covara-kv.internal/", { method: "POST", body: JSON.stringify({ op: "flushall", key: "k" }) });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ ok: false, code: "INVALID_ARGUMENT" });
  });
});

describe("Durable Object KV: reset between calls", () => {
  it("keeps values, counters and TTLs across eviction", async () => {
    const kv = createDurableObjectKV(env.COVARA_KV, { name: "evict", shards: 2 });
    await kv.set("kept", "v");
    await kv.set("short", "v", { ttlMs: 150 });
    expect(await kv.increment("n", 5)).toBe(5);
    const window = await kv.hit("rl", 60_000);

    await evictAllDurableObjects();

    expect(await kv.get("kept")).toBe("v");
    expect(await kv.increment("n")).toBe(6);
    expect(await kv.hit("rl", 60_000)).toEqual({ count: 2, resetAt: window.resetAt });
    await sleep(200);
    expect(await kv.get("short")).toBeNull();
  });

  it("keeps state across an abort (the object restarts from storage)", async () => {
    const kv = createDurableObjectKV(env.COVARA_KV, { name: "abort", shards: 2 });
    await kv.set("kept", "v");
    expect(await kv.increment("n")).toBe(1);
    await abortAllDurableObjects();
    expect(await kv.get("kept")).toBe("v");
    expect(await kv.increment("n")).toBe(2);
    expect(await kv.compareAndSet("kept", "v", "w")).toBe(true);
  });
});

describe("Durable Object KV: expiry sweep", () => {
  it("an alarm deletes expired rows nobody read, and survives eviction", async () => {
    const kv = createDurableObjectKV(env.COVARA_KV, { name: "sweep", shards: 1 });
    const before = Date.now();
    await kv.set("a", "v", { ttlMs: 50 });
    await kv.increment("b", 1, { ttlMs: 50 });
    await kv.set("later", "v", { ttlMs: 3_600_000 });
    await kv.set("forever", "v");
    const alarm = await runInDurableObject(shardStub("sweep", 0), (_i: KvStoreObject, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThanOrEqual(before + 50 + KV_SWEEP_DELAY_MS);
    expect(alarm).toBeLessThan(Date.now() + 50 + KV_SWEEP_DELAY_MS + 1000);

    await sleep(100);
    expect(await rowCount("sweep", 0)).toBe(4); // expired but unread: still stored, yet invisible
    expect((await kv.list("")).keys).toEqual(["forever", "later"]);

    await evictAllDurableObjects();
    expect(await runDurableObjectAlarm(shardStub("sweep", 0))).toBe(true);
    expect(await rowCount("sweep", 0)).toBe(2);
    // The next sweep is set for the remaining expiry.
    const next = await runInDurableObject(shardStub("sweep", 0), (_i: KvStoreObject, state) => state.storage.getAlarm());
    expect(next).toBeGreaterThan(Date.now() + 3_000_000);
  });
});

describe("Durable Object KV: many Worker requests", () => {
  it("200 concurrent increments over 10 concurrent requests count exactly", async () => {
    const key = `visits-${crypto.randomUUID()}`;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => exports.default.fetch(`https://covara.test/kv/increment?key=${key}&times=20`, { method: "POST" })),
    );
    const results = (await Promise.all(responses.map((r) => r.json<{ results: number[] }>()))).flatMap((body) => body.results);
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(results.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const read = await exports.default.fetch(`https://covara.test/kv/${key}`);
    expect(await read.json()).toEqual({ value: "200" });
    // Same data through a store created here: one namespace, one shard per key.
    expect(await createDurableObjectKV(env.COVARA_KV, { prefix: "worker" }).get(key)).toBe("200");
  });
});
