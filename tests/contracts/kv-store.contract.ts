/**
 * The KV port's contract: one suite, run unchanged on every backend (memory and Redis in Node,
 * the Durable Object inside workerd). A backend is done when it passes. Runtime-neutral: no Node
 * imports, real short TTLs with bounded polling instead of fake timers (Redis and the DO keep
 * their own clocks). Where a call must land before a TTL runs out, the TTL leaves ≥ 250 ms of
 * headroom, so a stalled CI machine does not turn into a flaky test.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KV_LIMITS, KvError, type KvErrorCode, type KvStore } from "../../src/ports/kv-store.js";

/** One fresh, empty store per test, and how to dispose of it (and of any keys it wrote). */
export interface KvHarness {
  store: KvStore;
  cleanup(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 20 ms until it holds; fails after `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

async function expectKvError(promise: Promise<unknown>, code: KvErrorCode): Promise<void> {
  const error = await promise.then(
    (value) => ({ resolved: value }),
    (err: unknown) => err,
  );
  expect(error, `expected KvError ${code}`).toBeInstanceOf(KvError);
  expect((error as KvError).code).toBe(code);
}

/** Bytes → base64 with web APIs only (the suite also runs in workerd). */
function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** Runs the KV contract against the store `makeStore` builds (one per test). */
export function kvStoreContract(name: string, makeStore: () => Promise<KvHarness>): void {
  describe(`KvStore contract: ${name}`, () => {
    let harness: KvHarness | undefined;
    let kv: KvStore;

    beforeEach(async () => {
      harness = await makeStore();
      kv = harness.store;
    });
    afterEach(async () => {
      await harness?.cleanup();
      harness = undefined;
    });

    const test = (title: string, fn: () => Promise<void>, timeout?: number) => it(title, fn, timeout);

    describe("get, set, delete", () => {
      test("round-trips a value and deletes it", async () => {
        expect(await kv.get("greeting")).toBeNull();
        expect(await kv.set("greeting", "hello")).toBe(true);
        expect(await kv.get("greeting")).toBe("hello");
        expect(await kv.set("greeting", "hi")).toBe(true);
        expect(await kv.get("greeting")).toBe("hi");
        expect(await kv.delete("greeting")).toBe(true);
        expect(await kv.get("greeting")).toBeNull();
        expect(await kv.delete("greeting")).toBe(false);
      });

      test("round-trips unicode, astral characters, NUL and the empty string", async () => {
        const values = ["héllo wörld — 日本語", "😀 𝄞 \u{10FFFF} 🏳️‍🌈", "a\u0000b", "", " spaced \n\t", '{"json":[1,2]}'];
        for (const [i, value] of values.entries()) await kv.set(`v${i}`, value);
        for (const [i, value] of values.entries()) expect(await kv.get(`v${i}`)).toBe(value);
        // An empty value is a value, not an absence.
        expect(await kv.set("v3", "other", { ifAbsent: true })).toBe(false);
      });

      test("round-trips unicode and glob-like keys", async () => {
        const keys = ["ключ:😀", "a b\n*?[x]\\", "x".repeat(KV_LIMITS.maxKeyBytes), "é".repeat(KV_LIMITS.maxKeyBytes / 2)];
        for (const [i, key] of keys.entries()) await kv.set(key, String(i));
        for (const [i, key] of keys.entries()) expect(await kv.get(key)).toBe(String(i));
        expect((await kv.list("", { limit: 10 })).keys.sort()).toEqual([...keys].sort());
      });

      test("round-trips a value of exactly the size limit (1 MiB), ASCII and multi-byte", async () => {
        const ascii = "abcdefgh".repeat(KV_LIMITS.maxValueBytes / 8);
        const twoByte = "é".repeat(KV_LIMITS.maxValueBytes / 2);
        await kv.set("big", ascii);
        await kv.set("big2", twoByte);
        const [a, b] = await Promise.all([kv.get("big"), kv.get("big2")]);
        expect(a?.length).toBe(ascii.length);
        expect(a === ascii).toBe(true);
        expect(b === twoByte).toBe(true);
      }, 20_000);

      test("carries binary data as base64", async () => {
        const bytes = new Uint8Array(4096);
        for (let i = 0; i < bytes.length; i++) bytes[i] = i % 256;
        crypto.getRandomValues(bytes.subarray(256));
        await kv.set("blob", toBase64(bytes));
        expect(fromBase64((await kv.get("blob"))!)).toEqual(bytes);
      });

      test("ifAbsent writes only when the key is absent", async () => {
        expect(await kv.set("once", "first", { ifAbsent: true })).toBe(true);
        expect(await kv.set("once", "second", { ifAbsent: true })).toBe(false);
        expect(await kv.get("once")).toBe("first");
        await kv.delete("once");
        expect(await kv.set("once", "third", { ifAbsent: true, ttlMs: 60_000 })).toBe(true);
        expect(await kv.get("once")).toBe("third");
      });
    });

    describe("TTL", () => {
      test("a key expires after its TTL and is gone for every read", async () => {
        await kv.set("short", "v", { ttlMs: 250 });
        expect(await kv.get("short")).toBe("v");
        await eventually(async () => (await kv.get("short")) === null);
        expect(await kv.delete("short")).toBe(false);
        expect((await kv.list("")).keys).toEqual([]);
        expect(await kv.compareAndSet("short", null, "again")).toBe(true);
      });

      test("ifAbsent treats an expired key as absent", async () => {
        await kv.set("lease", "a", { ttlMs: 60 });
        await eventually(async () => (await kv.get("lease")) === null);
        expect(await kv.set("lease", "b", { ifAbsent: true })).toBe(true);
        expect(await kv.get("lease")).toBe("b");
      });

      test("set without a TTL clears an earlier TTL", async () => {
        await kv.set("sticky", "a", { ttlMs: 100 });
        await kv.set("sticky", "b");
        await sleep(250);
        expect(await kv.get("sticky")).toBe("b");
      });

      test("set with a TTL gives a persistent key one", async () => {
        await kv.set("fading", "a");
        await kv.set("fading", "b", { ttlMs: 80 });
        await eventually(async () => (await kv.get("fading")) === null);
      });

      test("increment gives a new key the TTL", async () => {
        expect(await kv.increment("fresh", 1, { ttlMs: 100 })).toBe(1);
        await eventually(async () => (await kv.get("fresh")) === null);
        expect(await kv.increment("fresh")).toBe(1);
      });

      test("increment keeps an existing TTL (neither extends nor clears it)", async () => {
        await kv.set("window", "5", { ttlMs: 300 });
        expect(await kv.increment("window", 1, { ttlMs: 60_000 })).toBe(6);
        expect(await kv.increment("window")).toBe(7);
        await eventually(async () => (await kv.get("window")) === null);
      });

      test("increment does not add a TTL to a persistent key", async () => {
        await kv.set("total", "1");
        expect(await kv.increment("total", 1, { ttlMs: 50 })).toBe(2);
        await sleep(200);
        expect(await kv.get("total")).toBe("2");
      });

      test("compareAndSet sets the new value's TTL, or none", async () => {
        expect(await kv.compareAndSet("cas", null, "a", { ttlMs: 80 })).toBe(true);
        await eventually(async () => (await kv.get("cas")) === null);
        expect(await kv.compareAndSet("cas", null, "b", { ttlMs: 300 })).toBe(true);
        expect(await kv.compareAndSet("cas", "b", "c")).toBe(true);
        await sleep(400);
        expect(await kv.get("cas")).toBe("c");
      });

      test("accepts the longest TTL", async () => {
        expect(await kv.set("long", "v", { ttlMs: KV_LIMITS.maxTtlMs })).toBe(true);
        expect(await kv.get("long")).toBe("v");
      });
    });

    describe("increment", () => {
      test("counts from 0, by any safe integer delta", async () => {
        expect(await kv.increment("n")).toBe(1);
        expect(await kv.increment("n", 41)).toBe(42);
        expect(await kv.increment("n", -50)).toBe(-8);
        expect(await kv.get("n")).toBe("-8");
        await kv.set("s", "100");
        expect(await kv.increment("s", 0)).toBe(100);
        expect(await kv.increment("s", -100)).toBe(0);
      });

      test("200 concurrent increments give exactly 200", async () => {
        const results = await Promise.all(Array.from({ length: 200 }, () => kv.increment("hits")));
        expect(results.sort((a, b) => a! - b!)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        expect(await kv.get("hits")).toBe("200");
      }, 20_000);

      test("min refuses below the floor and changes nothing", async () => {
        expect(await kv.increment("credits", -1, { min: 0 })).toBeNull();
        expect(await kv.get("credits")).toBeNull();
        await kv.set("credits", "1");
        expect(await kv.increment("credits", -1, { min: 0 })).toBe(0);
        expect(await kv.increment("credits", -1, { min: 0 })).toBeNull();
        expect(await kv.get("credits")).toBe("0");
        expect(await kv.increment("credits", 5, { min: 10 })).toBeNull();
        expect(await kv.increment("credits", -3, { min: -3 })).toBe(-3);
      });

      test("min holds under concurrency: 50 decrements of 20 credits, exactly 20 succeed", async () => {
        await kv.set("pool", "20");
        const results = await Promise.all(Array.from({ length: 50 }, () => kv.increment("pool", -1, { min: 0 })));
        const granted = results.filter((r): r is number => r !== null);
        expect(granted.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
        expect(results.filter((r) => r === null)).toHaveLength(30);
        expect(await kv.get("pool")).toBe("0");
      }, 20_000);

      test("refuses a non-integer stored value and leaves it", async () => {
        for (const value of ["abc", "1.5", "1e3", " 1", "+1", "", "0x10"]) {
          await kv.set("text", value);
          await expectKvError(kv.increment("text"), "NOT_AN_INTEGER");
          expect(await kv.get("text")).toBe(value);
        }
      });

      test("refuses to leave the safe-integer range", async () => {
        await kv.set("max", String(Number.MAX_SAFE_INTEGER));
        await expectKvError(kv.increment("max"), "NOT_AN_INTEGER");
        expect(await kv.get("max")).toBe(String(Number.MAX_SAFE_INTEGER));
        await kv.set("huge", "99999999999999999999");
        await expectKvError(kv.increment("huge"), "NOT_AN_INTEGER");
        expect(await kv.increment("max", -1)).toBe(Number.MAX_SAFE_INTEGER - 1);
      });

      test("refuses a non-integer delta or floor", async () => {
        await kv.set("d", "1");
        for (const delta of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) {
          await expectKvError(kv.increment("d", delta), "INVALID_ARGUMENT");
        }
        await expectKvError(kv.increment("d", 1, { min: 0.5 }), "INVALID_ARGUMENT");
        expect(await kv.get("d")).toBe("1");
      });
    });

    describe("compareAndSet", () => {
      test("swaps only on a match; null means absent, a null next deletes", async () => {
        expect(await kv.compareAndSet("c", "x", "y")).toBe(false);
        expect(await kv.get("c")).toBeNull();
        expect(await kv.compareAndSet("c", null, "v1")).toBe(true);
        expect(await kv.compareAndSet("c", null, "v2")).toBe(false);
        expect(await kv.compareAndSet("c", "other", "v2")).toBe(false);
        expect(await kv.get("c")).toBe("v1");
        expect(await kv.compareAndSet("c", "v1", "v2")).toBe(true);
        expect(await kv.get("c")).toBe("v2");
        expect(await kv.compareAndSet("c", "v1", null)).toBe(false);
        expect(await kv.compareAndSet("c", "v2", null)).toBe(true);
        expect(await kv.get("c")).toBeNull();
        expect(await kv.compareAndSet("c", null, "")).toBe(true);
        expect(await kv.compareAndSet("c", "", "after-empty")).toBe(true);
      });

      test("exactly one of 20 concurrent callers wins", async () => {
        await kv.set("owner", "v0");
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => kv.compareAndSet("owner", "v0", `v${i + 1}`)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await kv.get("owner")).toBe(`v${results.indexOf(true) + 1}`);

        const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => kv.compareAndSet("lock", null, `c${i}`)));
        expect(claims.filter(Boolean)).toHaveLength(1);
        expect(await kv.get("lock")).toBe(`c${claims.indexOf(true)}`);
      });
    });

    describe("list", () => {
      test("an empty store lists nothing", async () => {
        expect(await kv.list("")).toEqual({ keys: [], cursor: null });
        expect(await kv.list("none:")).toEqual({ keys: [], cursor: null });
      });

      test("pages in lexicographic order with a cursor", async () => {
        const keys = Array.from({ length: 25 }, (_, i) => `page:${String(i).padStart(2, "0")}`);
        const shuffled = [...keys].sort(() => Math.random() - 0.5);
        await Promise.all(shuffled.map((key) => kv.set(key, "v")));
        const first = await kv.list("page:", { limit: 10 });
        expect(first).toEqual({ keys: keys.slice(0, 10), cursor: "page:09" });
        const second = await kv.list("page:", { limit: 10, cursor: first.cursor! });
        expect(second).toEqual({ keys: keys.slice(10, 20), cursor: "page:19" });
        const third = await kv.list("page:", { limit: 10, cursor: second.cursor! });
        expect(third).toEqual({ keys: keys.slice(20), cursor: null });
        // A last page that is exactly full has no cursor either.
        expect(await kv.list("page:", { limit: 5, cursor: "page:19" })).toEqual({ keys: keys.slice(20), cursor: null });
        expect((await kv.list("page:")).keys).toEqual(keys);
      });

      test("orders by code point (UTF-8 byte order), not UTF-16", async () => {
        const ordered = ["ord:Z", "ord:a", "ord:é", "ord:\uFFFD", "ord:😀", "ord:😀a"];
        await Promise.all([...ordered].reverse().map((key) => kv.set(key, "v")));
        expect((await kv.list("ord:")).keys).toEqual(ordered);
        expect(await kv.list("ord:", { limit: 3 })).toEqual({ keys: ordered.slice(0, 3), cursor: "ord:é" });
        expect(await kv.list("ord:", { limit: 3, cursor: "ord:é" })).toEqual({ keys: ordered.slice(3), cursor: null });
      });

      test("matches the prefix exactly, glob characters included", async () => {
        const keys = ["iso:a", "iso:b", "iso", "isolated", "other:iso:c", "g*1", "g?2", "g[3]", "gx", "g\\4", "g]5"];
        await Promise.all(keys.map((key) => kv.set(key, "v")));
        expect((await kv.list("iso:")).keys).toEqual(["iso:a", "iso:b"]);
        expect((await kv.list("iso")).keys).toEqual(["iso", "iso:a", "iso:b", "isolated"]);
        expect((await kv.list("g*")).keys).toEqual(["g*1"]);
        expect((await kv.list("g?")).keys).toEqual(["g?2"]);
        expect((await kv.list("g[")).keys).toEqual(["g[3]"]);
        expect((await kv.list("g\\")).keys).toEqual(["g\\4"]);
        expect((await kv.list("g]")).keys).toEqual(["g]5"]);
        expect((await kv.list("")).keys).toHaveLength(keys.length);
      });

      test("hides expired keys", async () => {
        await kv.set("exp:a", "v", { ttlMs: 60 });
        await kv.set("exp:b", "v");
        await kv.increment("exp:c", 1, { ttlMs: 60 });
        await eventually(async () => (await kv.list("exp:")).keys.length === 1);
        expect((await kv.list("exp:")).keys).toEqual(["exp:b"]);
      });

      test("continues after a cursor key that was deleted", async () => {
        await Promise.all(["k1", "k2", "k3", "k4"].map((key) => kv.set(key, "v")));
        const first = await kv.list("k", { limit: 2 });
        expect(first).toEqual({ keys: ["k1", "k2"], cursor: "k2" });
        await kv.delete("k2");
        expect(await kv.list("k", { limit: 2, cursor: first.cursor! })).toEqual({ keys: ["k3", "k4"], cursor: null });
      });

      test("caps a large limit and refuses a bad one", async () => {
        await kv.set("a", "v");
        expect((await kv.list("", { limit: 5000 })).keys).toEqual(["a"]);
        for (const limit of [0, -1, 1.5, Number.NaN]) await expectKvError(kv.list("", { limit }), "INVALID_ARGUMENT");
      });
    });

    describe("hit (fixed window)", () => {
      test("counts within a window whose end stays fixed", async () => {
        const before = Date.now();
        const first = await kv.hit("rl", 60_000);
        const after = Date.now();
        expect(first.count).toBe(1);
        expect(first.resetAt).toBeGreaterThanOrEqual(before + 60_000 - 250);
        expect(first.resetAt).toBeLessThanOrEqual(after + 60_000 + 250);
        await sleep(20);
        expect(await kv.hit("rl", 60_000)).toEqual({ count: 2, resetAt: first.resetAt });
        expect(await kv.hit("rl", 1_000)).toEqual({ count: 3, resetAt: first.resetAt });
        expect(await kv.hit("other", 60_000)).toMatchObject({ count: 1 });
        expect(await kv.get("rl")).toBe("3");
      });

      test("opens a new window after the old one ends", async () => {
        const first = await kv.hit("win", 300);
        expect((await kv.hit("win", 300)).count).toBe(2);
        await eventually(async () => Date.now() > first.resetAt + 20 && (await kv.get("win")) === null);
        const next = await kv.hit("win", 300);
        expect(next.count).toBe(1);
        expect(next.resetAt).toBeGreaterThan(first.resetAt);
      });

      test("100 concurrent hits count exactly, in one window", async () => {
        const hits = await Promise.all(Array.from({ length: 100 }, () => kv.hit("burst", 60_000)));
        expect(hits.map((h) => h.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
        expect(new Set(hits.map((h) => h.resetAt)).size).toBe(1);
        expect(await kv.get("burst")).toBe("100");
      }, 20_000);

      test("gives a persistent key a window", async () => {
        await kv.set("plain", "4");
        const hit = await kv.hit("plain", 100);
        expect(hit.count).toBe(5);
        expect(hit.resetAt).toBeGreaterThan(Date.now() - 50);
        await eventually(async () => (await kv.get("plain")) === null);
      });

      test("refuses a bad window or a non-integer value, changing nothing", async () => {
        for (const windowMs of [0, -5, 1.5, KV_LIMITS.maxTtlMs + 1]) await expectKvError(kv.hit("w", windowMs), "INVALID_TTL");
        expect(await kv.get("w")).toBeNull();
        await kv.set("w", "many");
        await expectKvError(kv.hit("w", 1000), "NOT_AN_INTEGER");
        expect(await kv.get("w")).toBe("many");
      });
    });

    describe("bad input", () => {
      test("refuses an empty or malformed key on every operation", async () => {
        for (const key of ["", "\uD800", "a\uDFFFb"]) {
          await expectKvError(kv.get(key), "INVALID_ARGUMENT");
          await expectKvError(kv.set(key, "v"), "INVALID_ARGUMENT");
          await expectKvError(kv.delete(key), "INVALID_ARGUMENT");
          await expectKvError(kv.increment(key), "INVALID_ARGUMENT");
          await expectKvError(kv.compareAndSet(key, null, "v"), "INVALID_ARGUMENT");
          await expectKvError(kv.hit(key, 1000), "INVALID_ARGUMENT");
        }
        expect((await kv.list("")).keys).toEqual([]);
      });

      test("refuses a key over 1024 UTF-8 bytes", async () => {
        const tooLong = ["x".repeat(KV_LIMITS.maxKeyBytes + 1), "😀".repeat(257), "é".repeat(513)];
        for (const key of tooLong) {
          await expectKvError(kv.set(key, "v"), "KEY_TOO_LARGE");
          await expectKvError(kv.get(key), "KEY_TOO_LARGE");
          await expectKvError(kv.increment(key), "KEY_TOO_LARGE");
          await expectKvError(kv.hit(key, 1000), "KEY_TOO_LARGE");
        }
        expect((await kv.list("")).keys).toEqual([]);
      });

      test("refuses a value over 1 MiB (UTF-8 bytes) or with a lone surrogate, keeping the old value", async () => {
        await kv.set("keep", "old");
        const tooBig = ["x".repeat(KV_LIMITS.maxValueBytes + 1), "€".repeat(Math.ceil(KV_LIMITS.maxValueBytes / 3) + 1)];
        for (const value of tooBig) {
          await expectKvError(kv.set("keep", value), "VALUE_TOO_LARGE");
          await expectKvError(kv.compareAndSet("keep", "old", value), "VALUE_TOO_LARGE");
        }
        await expectKvError(kv.set("keep", "bad \uD83D"), "INVALID_ARGUMENT");
        expect(await kv.get("keep")).toBe("old");
      }, 20_000);

      test("refuses a TTL that is zero, negative, fractional or too long, writing nothing", async () => {
        await kv.set("keep", "old");
        for (const ttlMs of [0, -1, 1.5, Number.NaN, KV_LIMITS.maxTtlMs + 1]) {
          await expectKvError(kv.set("keep", "new", { ttlMs }), "INVALID_TTL");
          await expectKvError(kv.set("fresh", "new", { ttlMs }), "INVALID_TTL");
          await expectKvError(kv.increment("fresh", 1, { ttlMs }), "INVALID_TTL");
          await expectKvError(kv.compareAndSet("keep", "old", "new", { ttlMs }), "INVALID_TTL");
        }
        expect(await kv.get("keep")).toBe("old");
        expect((await kv.list("")).keys).toEqual(["keep"]);
        // The value kept no TTL either.
        await sleep(50);
        expect(await kv.get("keep")).toBe("old");
      });
    });
  });
}
