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
});
