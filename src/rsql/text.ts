/**
 * String primitives that make in-memory results agree with SQLite and Postgres: ASCII-only case
 * folding (SQLite's LOWER/LIKE fold nothing else, and D1 cannot be extended), code-point ordering
 * (SQLite BINARY and Postgres `COLLATE "C"` compare UTF-8 bytes) and code-point lengths.
 * @module
 */

const UPPER_ASCII = /[A-Z]/;
const UPPER_ASCII_ALL = /[A-Z]/g;

function lowerChar(c: string): string {
  return String.fromCharCode(c.charCodeAt(0) + 32);
}

/** Lower-cases `A`–`Z` only, as SQLite's `lower()` and `LIKE` do. */
export function asciiLower(text: string): string {
  return UPPER_ASCII.test(text) ? text.replace(UPPER_ASCII_ALL, lowerChar) : text;
}

export { compareCodePoints } from "../util/code-points.js";

/** Number of code points, which is what SQLite `length()` and Postgres `char_length()` count. */
export function codePointLength(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        length--;
        i++;
      }
    }
  }
  return length;
}

/** UTF-8 byte length, for D1's 50-byte LIKE/GLOB pattern limit. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Formats a finite number as an RSQL literal. RSQL numbers have no exponent, so `1e21` and
 * `1e-7` are expanded to plain decimals; the digits are JavaScript's shortest round-trip ones,
 * so parsing the result gives back exactly the same double.
 */
export function formatNumber(value: number): string {
  const text = String(value);
  const e = text.indexOf("e");
  if (e === -1) return text;
  const negative = value < 0;
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exponent = Number(text.slice(e + 1));
  const dot = mantissa.indexOf(".");
  const digits = mantissa.replace(".", "");
  const pointAt = (dot === -1 ? mantissa.length : dot) + exponent;
  let out: string;
  if (pointAt <= 0) out = `0.${"0".repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) out = digits + "0".repeat(pointAt - digits.length);
  else out = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return negative ? `-${out}` : out;
}
