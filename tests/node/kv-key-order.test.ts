/** The KV key order (code points = UTF-8 bytes) and the prefix → range helper, as properties. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareKeys, prefixUpperBound } from "../../src/kv/key-order.js";

const encoder = new TextEncoder();
const byteCompare = (a: string, b: string) => Buffer.compare(encoder.encode(a), encoder.encode(b));
const text = fc.string({ unit: "grapheme", maxLength: 8 });
const sign = (n: number) => Math.sign(n);

describe("KV key order", () => {
  it("compareKeys agrees with UTF-8 byte order", () => {
    fc.assert(fc.property(text, text, (a, b) => sign(compareKeys(a, b)) === sign(byteCompare(a, b))), { numRuns: 2000 });
    expect(compareKeys("\uFFFD", "😀")).toBeLessThan(0);
    expect("\uFFFD" < "😀").toBe(false); // what JavaScript's default order would say
  });

  it("prefixUpperBound bounds exactly the keys that start with the prefix", () => {
    fc.assert(
      fc.property(text, text, (prefix, other) => {
        const upper = prefixUpperBound(prefix);
        const inRange = compareKeys(other, prefix) >= 0 && (upper === null || compareKeys(other, upper) < 0);
        expect(inRange).toBe(other.startsWith(prefix));
        const extended = prefix + other;
        expect(compareKeys(extended, prefix) >= 0 && (upper === null || compareKeys(extended, upper) < 0)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    expect(prefixUpperBound("")).toBeNull();
    expect(prefixUpperBound("ab")).toBe("ac");
    expect(prefixUpperBound("a\u{10FFFF}")).toBe("b");
    expect(prefixUpperBound("\uD7FF")).toBe("\uE000");
  });
});
