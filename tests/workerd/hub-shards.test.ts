/**
 * A hot resource's hub sharded by subscriber (`createDurableObjectHub(ns, { shards })`), inside
 * workerd: the hub contract on a sharded hub (both bindings), then what sharding promises on top:
 * subscribers spread over the fan-out objects and still see every entry once, in order; claim
 * limits stay exact across shards; a shard's position survives eviction; lost forwards are
 * recovered from the primary (or, when the primary no longer has them, the sockets are closed so
 * holders resume); and the default keeps the old object names and messages.
 */
import { env } from "cloudflare:workers";
import { evictAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDurableObjectHub, HUB_ORIGIN, type HubObjectNamespace, type HubObjectStub } from "../../durable-objects/index.js";
import { SqlChangelog } from "../../src/realtime/hub-sql.js";
import { SlotLimitError, type ChangeEntry, type HubConnection, type SlotClaim } from "../../src/realtime/types.js";
import { hubContract } from "../contracts/hub.contract.js";
import { durableObjectHarness, eventually, sleep, uniqueName } from "./hub-harness.js";

const SHARDS = 3;


hubContract("durable-object sharded (COVARA_HUB, shards: 3)", async () => durableObjectHarness(env.COVARA_HUB, { shards: SHARDS }));
hubContract("durable-object sharded on COVARA_KV (shards: 3)", async () => durableObjectHarness(env.COVARA_KV, { shards: SHARDS }));

const stubOf = (namespace: DurableObjectNamespace, name: string) => namespace.get(namespace.idFromName(name));
const create = (n: number) => ({ type: "create" as const, objectId: String(n), object: { id: n } });
/** The claims a subscription route makes: the resource-wide one first, the per-user one last. */
const claimsOf = (user: string, perUser = 5, total = 1000): SlotClaim[] => [
  { key: "total", limit: total, detail: `Maximum ${total} subscriptions in total` },
  { key: `user:${user}`, limit: perUser, detail: `Maximum ${perUser} subscriptions per user` },
];

/** Open sockets of the object `name` that receive `resource`'s entries. */
function deliverySockets(namespace: DurableObjectNamespace, name: string, resource: string): Promise<number> {
  return runInDurableObject(stubOf(namespace, name), (_instance, state) => state.getWebSockets(`r:${resource}`).filter((ws) => ws.readyState === WebSocket.OPEN).length);
}

/** Appends to the primary's changelog without forwarding: as if every forward of it were lost. */
function appendSilently(namespace: DurableObjectNamespace, resource: string, ids: number[], maxEntries?: number): Promise<number[]> {
  return runInDurableObject(stubOf(namespace, `hub:${resource}`), (_instance, state) =>
    new SqlChangelog(state.storage.sql).append(resource, ids.map(create), { maxEntries }).map((entry) => entry.seq),
  );
}

/** Posts a forward to a shard directly, as the primary would. */
async function forwardTo(namespace: DurableObjectNamespace, resource: string, shard: number, entries: ChangeEntry[]): Promise<unknown> {
  const response = await stubOf(namespace, `hub:${resource}#${shard}`).fetch(`${HUB_ORIGIN}/`, {
    method: "POST",
    body: JSON.stringify({ op: "forward", resource, shard, entries }),
  });
  return response.json();
}

/** A subscriber keeping every delivered entry, duplicates included (sharding must not add any). */
function subscriber() {
  const received: ChangeEntry[] = [];
  return { received, seqs: () => received.map((entry) => entry.seq), deliver: (entries: ChangeEntry[]) => void received.push(...entries) };
}

/** The shard a single-subscriber test lands on: the one holding a delivery socket. */
async function shardHolding(namespace: DurableObjectNamespace, resource: string): Promise<number> {
  for (let shard = 0; shard < SHARDS; shard++) if ((await deliverySockets(namespace, `hub:${resource}#${shard}`, resource)) > 0) return shard;
  throw new Error("no shard holds a socket");
}

/**
 * Runs `body` with one subscriber (user u1) of a fresh sharded resource once it received entry 1
 * (`first`), and the shard holding its socket; closes everything afterwards.
 */
async function withOneSubscriber(
  namespace: DurableObjectNamespace,
  label: string,
  body: (t: { resource: string; hub: ReturnType<typeof createDurableObjectHub>; s: ReturnType<typeof subscriber>; shard: number; first: ChangeEntry[] }) => Promise<void>,
): Promise<void> {
  const resource = uniqueName(label);
  const hub = createDurableObjectHub(namespace, { shards: SHARDS });
  const s = subscriber();
  const conn = await hub.connect(resource, s.deliver, { claims: claimsOf("u1") });
  try {
    const first = await hub.append(resource, [create(1)]);
    await eventually(() => s.received.length === 1);
    await body({ resource, hub, s, shard: await shardHolding(namespace, resource), first });
  } finally {
    conn.close();
    await hub.close();
  }
}

for (const { label, namespace } of [
  { label: "COVARA_HUB", namespace: env.COVARA_HUB },
  { label: "COVARA_KV", namespace: env.COVARA_KV },
]) {
  describe(`sharded Durable Object hub on ${label}`, () => {
    it("spreads subscribers over the shards, and each receives every entry once, in order", async () => {
      const resource = uniqueName("spread");
      const hub = createDurableObjectHub(namespace, { shards: SHARDS });
      await hub.append(resource, [create(1), create(2)]);
      const subscribers = Array.from({ length: 12 }, () => subscriber());
      const conns = await Promise.all(subscribers.map((s, n) => hub.connect(resource, s.deliver, { claims: claimsOf(`u${n}`) })));
      try {
        // The window comes from the primary, even on shards that never saw an entry.
        for (const conn of conns) expect(conn.window).toEqual({ head: 2, oldest: 1 });
        const perShard = await Promise.all(Array.from({ length: SHARDS }, (_, i) => deliverySockets(namespace, `hub:${resource}#${i}`, resource)));
        expect(perShard.reduce((a, b) => a + b, 0)).toBe(12);
        expect(perShard.filter((n) => n > 0).length).toBeGreaterThan(1);
        expect(await deliverySockets(namespace, `hub:${resource}`, resource)).toBe(0);

        await Promise.all(Array.from({ length: 10 }, (_, n) => hub.append(resource, [create(10 + n)])));
        await hub.append(resource, [create(30), create(31), create(32)]);
        const expected = Array.from({ length: 13 }, (_, n) => n + 3);
        await eventually(() => subscribers.every((s) => s.received.length >= expected.length));
        await sleep(50);
        const stored = await hub.since(resource, 2, 100);
        for (const s of subscribers) {
          expect(s.seqs()).toEqual(expected);
          expect(s.received).toEqual(stored);
        }
      } finally {
        for (const conn of conns) conn.close();
        await hub.close();
      }
    });

    it("keeps claim limits exact across shards: per key and resource-wide", async () => {
      const resource = uniqueName("limits");
      const hub = createDurableObjectHub(namespace, { shards: SHARDS });
      const attempt = (user: string): Promise<HubConnection | Error> =>
        hub.connect(resource, () => {}, { claims: claimsOf(user, 3, 6) }).then(
          (conn) => conn,
          (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
        );
      const same = await Promise.all(Array.from({ length: 8 }, () => attempt("same")));
      const admitted = same.filter((r): r is HubConnection => !(r instanceof Error));
      expect(admitted).toHaveLength(3);
      for (const refused of same.filter((r) => r instanceof Error)) {
        expect(refused).toBeInstanceOf(SlotLimitError);
        expect((refused as SlotLimitError).claim.key).toBe("user:same");
      }
      // Other users land on other shards, yet the resource-wide limit (6) counts them all.
      const others = await Promise.all(Array.from({ length: 8 }, (_, n) => attempt(`other${n}`)));
      const more = others.filter((r): r is HubConnection => !(r instanceof Error));
      expect(more).toHaveLength(3);
      for (const refused of others.filter((r) => r instanceof Error)) expect((refused as SlotLimitError).message).toBe("Maximum 6 subscriptions in total");
      // Closing a connection frees both of its slots.
      admitted[0]!.close();
      await eventually(async () => {
        const again = await attempt("same");
        if (again instanceof Error) return false;
        admitted.push(again);
        return true;
      });
      await expect(attempt("same")).resolves.toBeInstanceOf(SlotLimitError);
      for (const conn of [...admitted, ...more]) conn.close();
      await hub.close();
    });

    it("delivers the next entry after the shard was evicted, and never an entry twice", () =>
      withOneSubscriber(namespace, "evicted", async ({ resource, hub, s, shard, first }) => {
        const instance = () => runInDurableObject(stubOf(namespace, `hub:${resource}#${shard}`), (object) => object);
        const before = await instance();

        await evictAllDurableObjects();

        // A late copy of the first forward reaches the new instance: its stored position says
        // it was broadcast already.
        expect(await forwardTo(namespace, resource, shard, first)).toEqual({ ok: true, value: { position: 1 } });
        await hub.append(resource, [create(2)]);
        await eventually(() => s.received.length >= 2);
        await sleep(50);
        expect(s.seqs()).toEqual([1, 2]);
        expect(await instance()).not.toBe(before);
        expect(await deliverySockets(namespace, `hub:${resource}#${shard}`, resource)).toBe(1);
      }));

    it("recovers lost forwards from the primary, in order and without duplicates", () =>
      withOneSubscriber(namespace, "gap", async ({ resource, hub, s, shard }) => {
        // Entries 2 and 3 never reach the shard; the forward of 4 shows the gap.
        expect(await appendSilently(namespace, resource, [2, 3])).toEqual([2, 3]);
        await sleep(50);
        expect(s.seqs()).toEqual([1]);
        await hub.append(resource, [create(4)]);
        await eventually(() => s.received.length >= 4);

        // A gapped batch straight to the shard (5 missing), then an old one again.
        const [, six] = await appendSilently(namespace, resource, [5, 6]);
        const sixth = (await hub.since(resource, six! - 1, 1))[0]!;
        expect(await forwardTo(namespace, resource, shard, [sixth])).toEqual({ ok: true, value: { position: 6 } });
        expect(await forwardTo(namespace, resource, shard, await hub.since(resource, 3, 3))).toEqual({ ok: true, value: { position: 6 } });
        await hub.append(resource, [create(7)]);
        await eventually(() => s.received.length >= 7);
        await sleep(50);
        expect(s.seqs()).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(s.received.map((entry) => entry.objectId)).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
      }));

    it("runs a shard's forwards one at a time, even when one waits for the primary", () =>
      withOneSubscriber(namespace, "overlap", async ({ resource, hub, s, shard }) => {
        await appendSilently(namespace, resource, [2, 3, 4]);
        const [third, fourth] = await hub.since(resource, 2, 2);
        // The first closes its gap (2) through the primary while the second arrives.
        await Promise.all([forwardTo(namespace, resource, shard, [third!]), forwardTo(namespace, resource, shard, [fourth!])]);
        await hub.append(resource, [create(5)]);
        await eventually(() => s.received.length >= 5);
        await sleep(50);
        expect(s.seqs()).toEqual([1, 2, 3, 4, 5]);
      }));

    it("gives every socket, connected while appends run, each later entry exactly once", async () => {
      const resource = uniqueName("racing");
      const hub = createDurableObjectHub(namespace, { shards: SHARDS });
      const subscribers = Array.from({ length: 8 }, () => subscriber());
      const writes = Array.from({ length: 30 }, (_, n) => hub.append(resource, [create(n)]));
      // One user: every connection lands on the same shard, racing the forwards there.
      const conns = await Promise.all(subscribers.map((s) => hub.connect(resource, s.deliver, { claims: claimsOf("u1", 100) })));
      try {
        await Promise.all(writes);
        await eventually(() => subscribers.every((s, i) => s.received.at(-1)?.seq === 30 || conns[i]!.window.head === 30));
        await sleep(50);
        for (const [i, s] of subscribers.entries()) {
          const head = conns[i]!.window.head;
          expect(s.seqs()).toEqual(Array.from({ length: 30 - head }, (_, n) => head + n + 1));
        }
      } finally {
        for (const conn of conns) conn.close();
        await hub.close();
      }
    });

    it("starts a socket that joins a lagging shard at its window, while older sockets catch up", async () => {
      const resource = uniqueName("lagging");
      const hub = createDurableObjectHub(namespace, { shards: SHARDS });
      const [early, late] = [subscriber(), subscriber()];
      // One user: both connections land on the same shard.
      const conns = [await hub.connect(resource, early.deliver, { claims: claimsOf("u1") })];
      try {
        await appendSilently(namespace, resource, [1, 2]);
        conns.push(await hub.connect(resource, late.deliver, { claims: claimsOf("u1") }));
        expect(conns.map((conn) => conn.window.head)).toEqual([0, 2]);
        await hub.append(resource, [create(3)]);
        await eventually(() => early.received.length >= 3 && late.received.length >= 1);
        await sleep(50);
        expect(early.seqs()).toEqual([1, 2, 3]);
        expect(late.seqs()).toEqual([3]);
      } finally {
        for (const conn of conns) conn.close();
        await hub.close();
      }
    });

    it("closes the shard's sockets when the missing entries are no longer retained", async () => {
      const resource = uniqueName("pruned");
      const hub = createDurableObjectHub(namespace, { shards: SHARDS, maxEntries: 2 });
      const s = subscriber();
      const lost: string[] = [];
      await hub.connect(resource, s.deliver, { claims: claimsOf("u1"), onLost: (reason) => lost.push(reason) });
      await hub.append(resource, [create(1)]);
      await eventually(() => s.received.length === 1);
      // 2 and 3 are pruned before the shard could read them: it cannot deliver 4 and 5 honestly.
      await appendSilently(namespace, resource, [2, 3, 4], 2);
      await hub.append(resource, [create(5)]);
      await eventually(() => lost.length === 1);
      expect(lost[0]).toContain("hub shard missed entries");
      expect(s.seqs()).toEqual([1]);
      await hub.close();
    });
  });
}

/** A namespace that records the object names it derives and the requests sent to them. */
function recording(namespace: DurableObjectNamespace) {
  const names: string[] = [];
  const requests: { url: string; body?: string }[] = [];
  const ns: HubObjectNamespace<DurableObjectId> = {
    idFromName: (name) => (names.push(name), namespace.idFromName(name)),
    get: (id): HubObjectStub => {
      const stub = namespace.get(id);
      return { fetch: (url, init) => (requests.push({ url, body: init?.body }), stub.fetch(url, init)) };
    },
  };
  return { names, requests, ns };
}

describe("sharding configuration", () => {
  it("keeps the old object names and messages by default and for resources not listed", async () => {
    const resource = uniqueName("plain");
    const record = recording(env.COVARA_HUB);
    for (const hub of [createDurableObjectHub(record.ns, { maxEntries: 50 }), createDurableObjectHub(record.ns, { maxEntries: 50, shards: { elsewhere: 4 } })]) {
      const s = subscriber();
      const conn = await hub.connect(resource, s.deliver, { claims: claimsOf("u1") });
      await hub.append(resource, [create(1)]);
      await eventually(() => s.received.length === 1);
      await hub.since(resource, 0, 10);
      conn.close();
      await hub.close();
    }
    expect(new Set(record.names)).toEqual(new Set([`hub:${resource}`]));
    const connect = `${HUB_ORIGIN}/connect?q=${encodeURIComponent(JSON.stringify({ resource, claims: [{ key: "total", limit: 1000 }, { key: "user:u1", limit: 5 }], retention: { maxEntries: 50 } }))}`;
    expect(record.requests.filter((r) => r.url.includes("/connect")).map((r) => r.url)).toEqual([connect, connect]);
    const appendBody = JSON.stringify({ op: "append", resource, changes: [create(1)], retention: { maxEntries: 50 } });
    expect(record.requests.filter((r) => r.body?.includes('"append"')).map((r) => r.body)).toEqual([appendBody, appendBody]);
    // An unsharded primary never learns of shards, so it creates no table for them.
    const tables = await runInDurableObject(stubOf(env.COVARA_HUB, `hub:${resource}`), (_i, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'covara_hub_shards'").toArray(),
    );
    expect(tables).toEqual([]);
  });

  it("shards only the resources named in a per-resource map", async () => {
    const [hot, cold] = [uniqueName("hot"), uniqueName("cold")];
    const record = recording(env.COVARA_HUB);
    const hub = createDurableObjectHub(record.ns, { shards: { [hot]: 4 } });
    const conns = await Promise.all([hub.connect(hot, () => {}), hub.connect(cold, () => {})]);
    await Promise.all([hub.append(hot, [create(1)]), hub.append(cold, [create(1)])]);
    for (const conn of conns) conn.close();
    await hub.close();
    expect(record.names.filter((name) => name.startsWith(`hub:${hot}#`)).length).toBe(1);
    expect(record.names).toContain(`hub:${hot}`);
    expect(new Set(record.names.filter((name) => name.startsWith(`hub:${cold}`)))).toEqual(new Set([`hub:${cold}`]));
  });

  it("rejects a shard count that is not a positive integer", () => {
    expect(() => createDurableObjectHub(env.COVARA_HUB, { shards: 0 })).toThrow(/positive integers/);
    expect(() => createDurableObjectHub(env.COVARA_HUB, { shards: { todos: 2.5 } })).toThrow(/positive integers/);
  });
});
