/**
 * The hub port's contract (spec 20 §0–§2): one suite, run unchanged on the memory hub, the Redis
 * hub and the Durable Object hub. Runtime-neutral (it also runs inside workerd). Every test uses
 * fresh resource names, so backends with shared state (Redis, DO storage) need no cleanup
 * between tests.
 */
import { describe, expect, it } from "vitest";
import { SlotLimitError, type ChangeEntry, type HubBackend, type HubConnection } from "../../src/realtime/types.js";

/** What a backend under test provides. */
export interface HubHarness {
  /** A hub with `maxEntries: 5` retention. */
  hub: HubBackend;
  /** A second instance over the same shared state (another process / isolate), if the backend has one. */
  peer?: HubBackend;
  /** Durable backends number from 1 and keep counting across a new instance. */
  durable: boolean;
  /** A new instance over the same state, as after a restart (durable backends only). */
  reopen?: () => Promise<HubBackend>;
  cleanup(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

let counter = 0;
const uniqueName = (label: string) => `${label}-${Date.now().toString(36)}-${++counter}`;

/** Collects what a connection receives, dropping redeliveries (at-least-once is allowed). */
function collector() {
  const seen: ChangeEntry[] = [];
  const deliver = (entries: ChangeEntry[]) => {
    for (const entry of entries) if (!seen.some((s) => s.seq === entry.seq)) seen.push(entry);
  };
  return { seen, deliver };
}

/** Registers the hub contract for one backend. */
export function hubContract(name: string, makeHarness: () => Promise<HubHarness>): void {
  describe(`hub contract: ${name}`, () => {
    const withHub = (fn: (h: HubHarness) => Promise<void>) => async () => {
      const harness = await makeHarness();
      try {
        await fn(harness);
      } finally {
        await harness.cleanup();
      }
    };

    it("numbers a resource's entries head+1, head+2, … and keeps images, user and reason", withHub(async ({ hub }) => {
      const resource = uniqueName("todos");
      const before = await hub.window(resource);
      expect(before.oldest).toBe(before.head + 1);
      const entries = await hub.append(resource, [
        { type: "create", objectId: "1", object: { id: 1, title: "a" }, userId: "u1", optimisticId: "opt-1" },
        { type: "update", objectId: "1", object: { id: 1, title: "b" }, previousObject: { id: 1, title: "a" } },
      ]);
      expect(entries.map((e) => e.seq)).toEqual([before.head + 1, before.head + 2]);
      expect(entries[0]).toMatchObject({ resource, type: "create", objectId: "1", object: { id: 1, title: "a" }, userId: "u1", optimisticId: "opt-1" });
      expect(entries[1]!.previousObject).toEqual({ id: 1, title: "a" });
      expect(Math.abs(entries[0]!.timestamp - Date.now())).toBeLessThan(60_000);
      const coarse = await hub.append(resource, [{ type: "update", objectId: "*", reason: "external-mutation" }]);
      expect(coarse[0]).toMatchObject({ seq: before.head + 3, objectId: "*", reason: "external-mutation" });
      expect(coarse[0]!.object).toBeUndefined();
      expect(await hub.window(resource)).toEqual({ head: before.head + 3, oldest: before.head + 1 });
    }));

    it("counts each resource on its own", withHub(async ({ hub }) => {
      const a = uniqueName("a");
      const b = uniqueName("b");
      const [first] = await hub.append(a, [{ type: "create", objectId: "1", object: { id: 1 } }]);
      await hub.append(a, [{ type: "create", objectId: "2", object: { id: 2 } }]);
      const bWindow = await hub.window(b);
      const [other] = await hub.append(b, [{ type: "create", objectId: "1", object: { id: 1 } }]);
      expect(other!.seq).toBe(bWindow.head + 1);
      expect((await hub.window(a)).head).toBe(first!.seq + 1);
      expect((await hub.since(b, 0, 10)).map((e) => e.resource)).toEqual([b]);
    }));

    it("answers since(after, limit) in order, from the oldest retained entry", withHub(async ({ hub }) => {
      const resource = uniqueName("since");
      const appended = await hub.append(resource, [1, 2, 3].map((n) => ({ type: "create" as const, objectId: String(n), object: { id: n } })));
      const [s1, s2, s3] = appended.map((e) => e.seq) as [number, number, number];
      expect((await hub.since(resource, s1, 10)).map((e) => e.seq)).toEqual([s2, s3]);
      expect((await hub.since(resource, s1 - 1, 2)).map((e) => e.objectId)).toEqual(["1", "2"]);
      expect(await hub.since(resource, s3, 10)).toEqual([]);
      expect(await hub.since(resource, s3 + 100, 10)).toEqual([]);
      expect((await hub.since(resource, 0, 10)).map((e) => e.seq)).toEqual([s1, s2, s3]);
    }));

    it("keeps a rolling window of the newest maxEntries (5)", withHub(async ({ hub }) => {
      const resource = uniqueName("window");
      for (let n = 1; n <= 8; n++) await hub.append(resource, [{ type: "create", objectId: String(n), object: { id: n } }]);
      const window = await hub.window(resource);
      expect(window.oldest).toBe(window.head - 4);
      const retained = await hub.since(resource, 0, 100);
      expect(retained.map((e) => e.objectId)).toEqual(["4", "5", "6", "7", "8"]);
      expect(retained.map((e) => e.seq)).toEqual([window.head - 4, window.head - 3, window.head - 2, window.head - 1, window.head]);
    }));

    it("ingests an outbox id once, whichever path delivers it first", withHub(async ({ hub, peer }) => {
      const resource = uniqueName("outbox");
      const first = await hub.append(resource, [{ type: "create", objectId: "1", object: { id: 1 }, outboxId: "ob-1" }]);
      expect(first).toHaveLength(1);
      const again = await (peer ?? hub).append(resource, [
        { type: "create", objectId: "1", object: { id: 1 }, outboxId: "ob-1" },
        { type: "create", objectId: "2", object: { id: 2 }, outboxId: "ob-2" },
      ]);
      expect(again.map((e) => [e.objectId, e.seq])).toEqual([["2", first[0]!.seq + 1]]);
      expect((await hub.window(resource)).head).toBe(first[0]!.seq + 1);
    }));

    it("delivers entries appended after connect, in order, to every connection until it closes", withHub(async ({ hub, peer }) => {
      const resource = uniqueName("fanout");
      const a = collector();
      const b = collector();
      const connA = await hub.connect(resource, a.deliver);
      const connB = await (peer ?? hub).connect(resource, b.deliver);
      const appended = await hub.append(resource, [
        { type: "create", objectId: "1", object: { id: 1 } },
        { type: "create", objectId: "2", object: { id: 2 } },
      ]);
      await (peer ?? hub).append(resource, [{ type: "delete", objectId: "1", previousObject: { id: 1 } }]);
      await eventually(() => a.seen.length === 3 && b.seen.length === 3);
      const seqs = [appended[0]!.seq, appended[0]!.seq + 1, appended[0]!.seq + 2];
      expect(a.seen.map((e) => e.seq)).toEqual(seqs);
      expect(b.seen.map((e) => e.seq)).toEqual(seqs);
      expect(a.seen[2]).toMatchObject({ type: "delete", objectId: "1", previousObject: { id: 1 } });
      expect(connA.window.head).toBeLessThan(seqs[0]!);
      connA.close();
      connA.close();
      await hub.append(resource, [{ type: "create", objectId: "3", object: { id: 3 } }]);
      await eventually(() => b.seen.length === 4);
      await sleep(50);
      expect(a.seen).toHaveLength(3);
      connB.close();
    }));

    it("reports at connect a window whose head no delivered entry precedes", withHub(async ({ hub }) => {
      const resource = uniqueName("atomic");
      const writes = Array.from({ length: 20 }, (_, n) => hub.append(resource, [{ type: "create", objectId: String(n), object: { id: n } }]));
      const c = collector();
      const conn = await hub.connect(resource, c.deliver);
      await Promise.all(writes);
      const head = (await hub.window(resource)).head;
      // Everything after the reported head arrives; anything at or before it was already there.
      await eventually(() => c.seen.filter((e) => e.seq > conn.window.head).length === head - conn.window.head);
      conn.close();
    }));

    it("limits connections per claim key and frees a slot on close", withHub(async ({ hub, peer }) => {
      const resource = uniqueName("slots");
      const claim = { key: "user:u1", limit: 2, detail: "Maximum 2 subscriptions per user" };
      const other = { key: "ip:1.2.3.4", limit: 5, detail: "Maximum 5 subscriptions per IP" };
      const c1 = await hub.connect(resource, () => {}, { claims: [claim, other] });
      const c2 = await (peer ?? hub).connect(resource, () => {}, { claims: [claim] });
      const refused = await hub.connect(resource, () => {}, { claims: [other, claim] }).then(
        (conn: HubConnection) => conn,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(SlotLimitError);
      expect((refused as SlotLimitError).claim.key).toBe("user:u1");
      expect((refused as SlotLimitError).message).toBe("Maximum 2 subscriptions per user");
      // Another resource counts separately.
      const elsewhere = await hub.connect(uniqueName("slots-b"), () => {}, { claims: [claim] });
      // The refused attempt held nothing: four more on `other` fit (limit 5, one held by c1).
      const more = await Promise.all([1, 2, 3, 4].map(() => hub.connect(resource, () => {}, { claims: [other] })));
      await expect(hub.connect(resource, () => {}, { claims: [other] })).rejects.toBeInstanceOf(SlotLimitError);
      c1.close();
      const c3 = await hub.connect(resource, () => {}, { claims: [claim] });
      for (const conn of [c2, c3, elsewhere, ...more]) conn.close();
      const again = await Promise.all([1, 2].map(() => hub.connect(resource, () => {}, { claims: [claim] })));
      for (const conn of again) conn.close();
    }));

    it("hands out unique, contiguous seqs under concurrent appends", withHub(async ({ hub, peer }) => {
      const resource = uniqueName("race");
      const start = (await hub.window(resource)).head;
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, n) => (n % 2 === 0 || !peer ? hub : peer).append(resource, [{ type: "create", objectId: String(n), object: { id: n } }])),
      );
      const seqs = results.flat().map((e) => e.seq).sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: 40 }, (_, n) => start + n + 1));
    }));

    it("numbers durably (from 1, across a restart) or from its start time when in memory", withHub(async ({ hub, durable, reopen }) => {
      const resource = uniqueName("durable");
      const fresh = await hub.window(resource);
      if (!durable) {
        expect(Math.abs(fresh.head - Date.now())).toBeLessThan(10 * 60_000);
        return;
      }
      expect(fresh).toEqual({ head: 0, oldest: 1 });
      await hub.append(resource, [{ type: "create", objectId: "1", object: { id: 1 } }]);
      const again = await reopen!();
      try {
        const [next] = await again.append(resource, [{ type: "create", objectId: "2", object: { id: 2 } }]);
        expect(next!.seq).toBe(2);
        expect((await again.since(resource, 0, 10)).map((e) => e.objectId)).toEqual(["1", "2"]);
      } finally {
        await again.close();
      }
    }));
  });
}
