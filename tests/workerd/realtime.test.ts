/**
 * Realtime inside workerd: the subscription suite on D1, the churn test on the `ChangelogHub`
 * DO, on hub instances of the KV class (the README's `COVARA_KV`-only setup) and on a hub
 * sharded over fan-out objects, streaming through SELF with the hub evicted between two events,
 * and the one-isolate fallback when no Durable Object is bound.
 */
import { env, exports } from "cloudflare:workers";
import { evictAllDurableObjects } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { sqlitePeople } from "../resources/schema.js";
import { createD1Tables, d1Harness } from "./d1-harness.js";
import { churnSuite } from "../realtime/churn.suite.js";
import { realtimeSuites } from "../realtime/all.suites.js";
import { readSse } from "../realtime/sse-reader.js";
import { createDurableObjectHub, createDurableObjectKV } from "../../durable-objects/index.js";
import { hubOfStore } from "../../src/realtime/default-hub.js";
import { clearGlobalHub, clearGlobalKV, createCovara, createLogger, setGlobalKV } from "../../src/index.js";

const harness = d1Harness();

beforeAll(createD1Tables);

describe("d1", () => {
  realtimeSuites(() => harness);
  churnSuite("durable-object (COVARA_HUB)", () => harness, async () => ({ hub: createDurableObjectHub(env.COVARA_HUB), close: async () => {} }), { writes: 80 });
  churnSuite("durable-object on COVARA_KV", () => harness, async () => ({ hub: hubOfStore(createDurableObjectKV(env.COVARA_KV))!, close: async () => {} }), { writes: 80, seed: 11 });
  // Subscribers spread over fan-out objects: the same guarantees end to end through the route.
  churnSuite("durable-object sharded (COVARA_HUB, 3 shards)", () => harness, async () => ({ hub: createDurableObjectHub(env.COVARA_HUB, { shards: 3 }), close: async () => {} }), { writes: 80, seed: 23 });
});

describe("streaming through the Worker", () => {
  const post = (body: unknown) => exports.default.fetch("https://worker.test/live/api/people", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  it("delivers over SELF, and a hub evicted between two events still delivers the second with the next position", async () => {
    await harness.reset();
    const a = readSse(await exports.default.fetch("https://worker.test/live/api/people/subscribe"));
    const b = readSse(await exports.default.fetch("https://worker.test/live/api/people/subscribe?filter=name==%22second%22"));
    await a.synced();
    await b.synced();
    expect((await post({ name: "first", email: "f" })).status).toBe(201);
    await a.until(() => a.events().length === 1);
    const firstId = Number(a.frames.find((f) => f.data?.type === "added")!.id);
    await evictAllDurableObjects();
    expect((await post({ name: "second", email: "s" })).status).toBe(201);
    await a.until(() => a.events().length === 2);
    await b.until(() => b.events().length === 1);
    expect(a.events().map((e) => [e.type, e.object.name, e.seq])).toEqual([["added", "first", 1], ["added", "second", 2]]);
    expect(Number(a.frames.filter((f) => f.data?.type === "added")[1]!.id)).toBe(firstId + 1);
    expect(Number(b.frames.find((f) => f.data?.type === "added")!.id)).toBe(firstId + 1);
    await a.close();
    await b.close();
  });
});

describe("hub selection on Workers", () => {
  const resource = () => ({ id: sqlitePeople.id, db: harness.db });

  it("uses the KV's hub objects when only COVARA_KV is registered: cross-app delivery", async () => {
    await harness.reset();
    setGlobalKV(createDurableObjectKV(env.COVARA_KV, { prefix: "selection" }));
    try {
      // Two app instances stand in for two isolates: only a shared hub connects them.
      const one = createCovara().resource("/people", sqlitePeople, resource());
      const two = createCovara().resource("/people", sqlitePeople, resource());
      expect(one.realtime.hub().kind).toBe("durable-object");
      const reader = readSse(await one.request("/api/people/subscribe"));
      await reader.synced();
      await two.request("/api/people", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "x", email: "x" }) });
      await reader.until(() => reader.events().length === 1);
      await reader.close();
    } finally {
      clearGlobalKV();
      clearGlobalHub();
    }
  });

  it("takes the hub of the app's own `kv` when it is the Durable Object KV", () => {
    const app = createCovara({ kv: createDurableObjectKV(env.COVARA_KV, { prefix: "own" }) }).resource("/people", sqlitePeople, resource());
    expect(app.realtime.hub().kind).toBe("durable-object");
  });

  it("falls back to the in-memory hub with no Durable Object bound, and says so once", async () => {
    await harness.reset();
    const warnings: string[] = [];
    const logger = createLogger({ level: "warn", sink: (record) => void (record.level === "warn" && warnings.push(record.msg)) });
    const app = createCovara({ observability: { logger } }).resource("/people", sqlitePeople, resource());
    const first = readSse(await app.request("/api/people/subscribe"));
    const second = readSse(await app.request("/api/people/subscribe"));
    await first.synced();
    await second.synced();
    await app.request("/api/people", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "y", email: "y" }) });
    await first.until(() => first.events().length === 1);
    await second.until(() => second.events().length === 1);
    expect(app.realtime.hub().kind).toBe("memory");
    expect(warnings.filter((w) => w.includes("in-memory hub"))).toHaveLength(1);
    await first.close();
    await second.close();
  });
});
