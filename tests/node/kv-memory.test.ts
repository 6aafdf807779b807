/** The KV contract on the in-memory store, plus what only memory has: an injected clock. */
import { describe, expect, it } from "vitest";
import { createMemoryKV } from "../../node-shim/memory/kv-store.js";
import { kvStoreContract } from "../contracts/kv-store.contract.js";

kvStoreContract("memory", async () => ({ store: createMemoryKV(), cleanup: async () => {} }));

describe("memory KV with an injected clock", () => {
  it("expires by the clock it was given, not by wall time", async () => {
    let now = 1_000;
    const kv = createMemoryKV({ now: () => now });
    await kv.set("k", "v", { ttlMs: 100 });
    expect(await kv.hit("rl", 500)).toEqual({ count: 1, resetAt: 1_500 });
    now = 1_099;
    expect(await kv.get("k")).toBe("v");
    now = 1_100;
    expect(await kv.get("k")).toBeNull();
    now = 1_500;
    expect(await kv.hit("rl", 500)).toEqual({ count: 1, resetAt: 2_000 });
  });
});
