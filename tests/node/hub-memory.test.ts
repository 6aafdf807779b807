/** The hub contract on the in-memory hub, and what only it has: time-based pruning. */
import { describe, expect, it } from "vitest";
import { createMemoryHub } from "../../src/realtime/memory-hub.js";
import { hubContract } from "../contracts/hub.contract.js";

hubContract("memory", async () => ({ hub: createMemoryHub({ maxEntries: 5 }), durable: false, cleanup: async () => {} }));

describe("memory hub", () => {
  it("prunes entries older than maxAgeMs", async () => {
    let now = 1_000_000;
    const hub = createMemoryHub({ maxAgeMs: 1000, now: () => now });
    await hub.append("t", [{ type: "create", objectId: "1", object: { id: 1 } }]);
    now += 600;
    await hub.append("t", [{ type: "create", objectId: "2", object: { id: 2 } }]);
    now += 600;
    expect((await hub.since("t", 0, 10)).map((e) => e.objectId)).toEqual(["2"]);
    expect(await hub.window("t")).toEqual({ head: 1_000_002, oldest: 1_000_002 });
  });

  it("keeps its window exact across many appends at the limit (compaction)", async () => {
    const hub = createMemoryHub({ maxEntries: 5 });
    let last = 0;
    for (let n = 1; n <= 3000; n++) last = (await hub.append("t", [{ type: "create", objectId: String(n), object: { id: n }, outboxId: `o${n}` }]))[0]!.seq;
    expect(await hub.window("t")).toEqual({ head: last, oldest: last - 4 });
    expect((await hub.since("t", last - 3, 10)).map((e) => e.objectId)).toEqual(["2998", "2999", "3000"]);
    expect((await hub.since("t", 0, 2)).map((e) => e.objectId)).toEqual(["2996", "2997"]);
    // An outbox id pruned with its entry may be ingested again; a retained one may not.
    expect(await hub.append("t", [{ type: "create", objectId: "x", outboxId: "o1" }, { type: "create", objectId: "y", outboxId: "o3000" }])).toHaveLength(1);
  });
});
