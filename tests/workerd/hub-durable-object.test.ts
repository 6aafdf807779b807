/**
 * The hub contract on Durable Objects inside workerd, both on the dedicated `ChangelogHub`
 * binding and on the KV object (the README's setup binds only `COVARA_KV`). Then what only the
 * DO hub has: subscribers that outlive the object's eviction, slots freed by the socket itself
 * closing, and one object instance per resource.
 */
import { env } from "cloudflare:workers";
import { evictAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDurableObjectHub, HUB_ORIGIN } from "../../durable-objects/index.js";
import { SqlChangelog } from "../../src/realtime/hub-sql.js";
import { SlotLimitError, type ChangeEntry } from "../../src/realtime/types.js";
import { hubContract } from "../contracts/hub.contract.js";
import { durableObjectHarness, eventually, sleep, uniqueName } from "./hub-harness.js";

const bindings = [
  { label: "COVARA_HUB", namespace: env.COVARA_HUB },
  { label: "COVARA_KV", namespace: env.COVARA_KV },
] as const;


hubContract("durable-object (COVARA_HUB)", async () => durableObjectHarness(env.COVARA_HUB));
hubContract("durable-object on COVARA_KV", async () => durableObjectHarness(env.COVARA_KV));

const hubStub = (namespace: DurableObjectNamespace, resource: string) => namespace.get(namespace.idFromName(`hub:${resource}`));

/** Sockets of a hub instance carrying `tag` (all of them without a tag). */
function socketCount(namespace: DurableObjectNamespace, resource: string, tag?: string): Promise<number> {
  return runInDurableObject(hubStub(namespace, resource), (_instance, state) => state.getWebSockets(tag).filter((ws) => ws.readyState === WebSocket.OPEN).length);
}

for (const { label, namespace } of bindings) {
  describe(`Durable Object hub on ${label}`, () => {
    it("reaches every subscriber with the next seq after the object was evicted between two appends", async () => {
      const resource = uniqueName("evicted");
      const hub = createDurableObjectHub(namespace);
      const peer = createDurableObjectHub(namespace);
      const seen: ChangeEntry[][] = [[], []];
      const conns = await Promise.all([
        hub.connect(resource, (entries) => seen[0]!.push(...entries)),
        peer.connect(resource, (entries) => seen[1]!.push(...entries)),
      ]);
      try {
        const [first] = await hub.append(resource, [{ type: "create", objectId: "1", object: { id: 1 } }]);
        expect(first!.seq).toBe(1);
        await eventually(() => seen.every((s) => s.length === 1));
        const instance = () => runInDurableObject(hubStub(namespace, resource), (object) => object);
        const before = await instance();

        await evictAllDurableObjects();

        const [second] = await peer.append(resource, [{ type: "update", objectId: "1", object: { id: 1, done: true } }]);
        expect(second!.seq).toBe(2);
        await eventually(() => seen.every((s) => s.length === 2));
        for (const s of seen) expect(s.map((e) => [e.seq, e.type])).toEqual([[1, "create"], [2, "update"]]);
        expect(await socketCount(namespace, resource, `r:${resource}`)).toBe(2);
        // The object really went: the second append woke a new instance, not the one above.
        expect(await instance()).not.toBe(before);
      } finally {
        for (const conn of conns) conn.close();
        await Promise.all([hub.close(), peer.close()]);
      }
    });

    it("frees a connection's claims when its socket closes, whoever closes it", async () => {
      const resource = uniqueName("claims");
      const hub = createDurableObjectHub(namespace);
      const claim = { key: "user:u1", limit: 1, detail: "Maximum 1 subscriptions per user" };
      const lost: string[] = [];
      await hub.connect(resource, () => {}, { claims: [claim], onLost: (reason) => lost.push(reason) });
      await expect(hub.connect(resource, () => {}, { claims: [claim] })).rejects.toBeInstanceOf(SlotLimitError);

      // The hub side drops the socket (as on a deploy): the holder hears of it, the slot is free.
      await runInDurableObject(hubStub(namespace, resource), (_instance, state) => {
        for (const ws of state.getWebSockets(`claim:${claim.key}`)) ws.close(1001, "going away");
      });
      await eventually(() => lost.length === 1);
      expect(await socketCount(namespace, resource, `claim:${claim.key}`)).toBe(0);
      const second = await hub.connect(resource, () => {}, { claims: [claim] });
      second.close();

      // A socket opened without the client and closed by its holder (as when a Worker goes
      // away): the hub frees its slots on its own.
      const ipClaim = { key: "ip:9.9.9.9", limit: 1, detail: "Maximum 1 subscriptions per IP" };
      const query = encodeURIComponent(JSON.stringify({ resource, claims: [{ key: ipClaim.key, limit: ipClaim.limit }] }));
      const raw = await hubStub(namespace, resource).fetch(`${HUB_ORIGIN}/connect?q=${query}`, { headers: { Upgrade: "websocket" } });
      expect(raw.status).toBe(101);
      raw.webSocket!.accept();
      await expect(hub.connect(resource, () => {}, { claims: [ipClaim] })).rejects.toBeInstanceOf(SlotLimitError);
      raw.webSocket!.close(1000, "worker done");
      await eventually(async () => (await socketCount(namespace, resource, `claim:${ipClaim.key}`)) === 0);
      const third = await hub.connect(resource, () => {}, { claims: [ipClaim, claim] });
      third.close();
      await hub.close();
      expect(lost).toHaveLength(1);
    });

    it("delivers a large append whole and in order, split over several socket messages", async () => {
      const resource = uniqueName("large");
      const hub = createDurableObjectHub(namespace);
      const seen: ChangeEntry[] = [];
      const conn = await hub.connect(resource, (entries) => seen.push(...entries));
      // A bare socket shows the frames themselves: none over the 1 MiB older runtimes accept.
      const raw = await hubStub(namespace, resource).fetch(`${HUB_ORIGIN}/connect?q=${encodeURIComponent(JSON.stringify({ resource }))}`, {
        headers: { Upgrade: "websocket" },
      });
      const frames: number[] = [];
      raw.webSocket!.accept();
      raw.webSocket!.addEventListener("message", (event) => frames.push(new TextEncoder().encode(String(event.data)).length));
      try {
        const text = "é".repeat(200_000); // ~400 KB of UTF-8 per row image
        const changes = Array.from({ length: 6 }, (_, n) => ({ type: "create" as const, objectId: String(n), object: { id: n, text } }));
        await hub.append(resource, changes);
        await eventually(() => seen.length === 6);
        expect(seen.map((e) => [e.seq, e.objectId])).toEqual(changes.map((c, n) => [n + 1, c.objectId]));
        expect(seen[5]!.object).toEqual({ id: 5, text });
        await eventually(() => frames.length >= 3); // the window, then the entries in several frames
        expect(Math.max(...frames)).toBeLessThan(1024 * 1024);
      } finally {
        raw.webSocket!.close(1000, "done");
        conn.close();
        await hub.close();
      }
    });

    it("keeps each resource in its own object instance", async () => {
      const resources = [uniqueName("r1"), uniqueName("r2"), uniqueName("r3")];
      const hub = createDurableObjectHub(namespace);
      const seen = new Map<string, ChangeEntry[]>(resources.map((r) => [r, []]));
      const conns = await Promise.all(resources.map((r) => hub.connect(r, (entries) => seen.get(r)!.push(...entries))));
      try {
        for (const [i, resource] of resources.entries()) {
          await hub.append(resource, Array.from({ length: i + 1 }, (_, n) => ({ type: "create" as const, objectId: String(n), object: { id: n } })));
        }
        await eventually(() => resources.every((r, i) => seen.get(r)!.length === i + 1));
        for (const [i, resource] of resources.entries()) {
          expect(seen.get(resource)!.map((e) => [e.resource, e.seq])).toEqual(Array.from({ length: i + 1 }, (_, n) => [resource, n + 1]));
          const stored = await runInDurableObject(hubStub(namespace, resource), (_instance, state) => ({
            resources: state.storage.sql.exec("SELECT DISTINCT resource FROM covara_hub_entries").toArray().map((row) => row.resource),
            sockets: state.getWebSockets().length,
          }));
          expect(stored).toEqual({ resources: [resource], sockets: 1 });
        }
      } finally {
        for (const conn of conns) conn.close();
        await hub.close();
      }
    });
  });
}

describe("Durable Object hub on COVARA_KV", () => {
  it("leaves KV shards without hub tables and hub instances without KV rows", async () => {
    const resource = uniqueName("apart");
    await createDurableObjectHub(env.COVARA_KV).append(resource, [{ type: "create", objectId: "1", object: { id: 1 } }]);
    const tables = (stub: DurableObjectStub) =>
      runInDurableObject(stub, (_instance, state) =>
        state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'covara_%' ORDER BY name").toArray().map((row) => row.name),
      );
    const shard = env.COVARA_KV.get(env.COVARA_KV.idFromName("covara-kv:0"));
    expect(await tables(shard)).toEqual(["covara_kv"]);
    const hubTables = await tables(hubStub(env.COVARA_KV, resource));
    expect(hubTables).toEqual(expect.arrayContaining(["covara_hub_entries", "covara_hub_heads", "covara_hub_outbox"]));
    const rows = await runInDurableObject(hubStub(env.COVARA_KV, resource), (_i, state) => state.storage.sql.exec("SELECT COUNT(*) AS n FROM covara_kv").one().n);
    expect(rows).toBe(0);
  });
});

describe("Durable Object hub: retention", () => {
  it("prunes by age in the object's storage, a prefix at a time (fake clock)", async () => {
    const stub = env.COVARA_HUB.get(env.COVARA_HUB.idFromName(uniqueName("clock")));
    const result = await runInDurableObject(stub, (_instance, state) => {
      let now = 1_000_000;
      const log = new SqlChangelog(state.storage.sql, () => now);
      const add = (id: number) => log.append("t", [{ type: "create", objectId: String(id), object: { id } }], { maxAgeMs: 1000 });
      add(1);
      now += 600;
      add(2);
      now -= 300; // the clock steps back: entry 3 is older than entry 2
      add(3);
      now += 1200; // 1 and 3 are past the age, 2 is not: only the prefix (1) goes
      const window = log.window("t", { maxAgeMs: 1000 });
      const kept = log.since("t", 0, 10, { maxAgeMs: 1000 }).map((e) => e.objectId);
      now += 1000;
      return { window, kept, later: log.window("t", { maxAgeMs: 1000 }) };
    });
    expect(result).toEqual({ window: { head: 3, oldest: 2 }, kept: ["2", "3"], later: { head: 3, oldest: 4 } });
  });

  it("applies the client's maxAgeMs, and keeps the head when every entry is gone", async () => {
    const resource = uniqueName("aged");
    const hub = createDurableObjectHub(env.COVARA_HUB, { maxAgeMs: 20 });
    await hub.append(resource, [{ type: "create", objectId: "1", object: { id: 1 } }]);
    await sleep(40);
    expect(await hub.window(resource)).toEqual({ head: 1, oldest: 2 });
    expect(await hub.since(resource, 0, 10)).toEqual([]);
    const [next] = await hub.append(resource, [{ type: "create", objectId: "2", object: { id: 2 } }]);
    expect(next!.seq).toBe(2);
  });

  it("keeps no outbox id beyond the retained window, so its storage stays bounded", async () => {
    const resource = uniqueName("outbox-pruned");
    const hub = createDurableObjectHub(env.COVARA_HUB, { maxEntries: 1 });
    await hub.append(resource, [{ type: "create", objectId: "1", object: { id: 1 }, outboxId: "ob-1" }]);
    await hub.append(resource, [{ type: "create", objectId: "2", object: { id: 2 } }]);
    const rows = await runInDurableObject(hubStub(env.COVARA_HUB, resource), (_i, state) => state.storage.sql.exec("SELECT COUNT(*) AS n FROM covara_hub_outbox").one().n);
    expect(rows).toBe(0);
  });
});
