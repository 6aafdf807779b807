/**
 * The one key order of every KV backend: Unicode code-point order, which is also the UTF-8 byte
 * order SQLite (Durable Object) and Redis compare in. JavaScript's default string order compares
 * UTF-16 code units and would put U+1F600 before U+FFFD.
 */
import { compareCodePoints } from "../util/code-points.js";

/** Compares two keys by code point: negative, zero or positive. */
export const compareKeys = compareCodePoints;

/**
 * The smallest string greater than every string that starts with `prefix`, in code-point order,
 * or null when there is none (empty prefix, or only U+10FFFF). Turns a prefix into a key range.
 */
export function prefixUpperBound(prefix: string): string | null {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return points.join("") + String.fromCodePoint(next);
    }
  }
  return null;
}
