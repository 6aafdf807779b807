/**
 * Constant-time comparison for secrets (password keys, tokens, CSRF values): the time taken
 * depends only on the lengths, never on where the inputs first differ.
 * @module
 */

const encoder = new TextEncoder();

/** Whether two byte arrays or strings (compared as UTF-8) are equal, in constant time for equal lengths. */
export function timingSafeEqual(a: Uint8Array | string, b: Uint8Array | string): boolean {
  const x = typeof a === "string" ? encoder.encode(a) : a;
  const y = typeof b === "string" ? encoder.encode(b) : b;
  // Lengths are not secret here (hash and token lengths are public), so an early exit on them
  // leaks nothing; the loop itself never exits early.
  if (x.length !== y.length) return false;
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}
