/**
 * Orders strings by Unicode code point, which is UTF-8 byte order (SQLite BINARY, Redis, Postgres
 * `COLLATE "C"`). JavaScript's `<` compares UTF-16 code units, which disagrees only when a
 * surrogate meets a unit in U+E000–U+FFFF.
 */

/** Compares two strings by code point: negative, zero or positive. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates (D800–DFFF) encode code points above FFFF, so they sort after E000–FFFF.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}
