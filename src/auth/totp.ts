/**
 * TOTP (RFC 6238, HMAC-SHA1) and backup-code primitives for MFA (spec 40 §15). `verifyTotp`
 * returns the matched time step so callers can refuse a replay of the same step; backup codes
 * are stored hashed and a used one is tombstoned as `""`.
 * @module
 */
import { Secret, TOTP } from "otpauth";
import { base32Decode, base32Encode } from "./base32.js";
import { hashPassword, verifyPassword, type ScryptParams } from "./password.js";

export { base32Decode, base32Encode } from "./base32.js";

/** TOTP settings; the defaults are what every authenticator app assumes. */
export interface TotpOptions {
  /** Seconds per time step. Default 30. */
  step?: number;
  /** Code length, 6–8. Default 6. */
  digits?: number;
}

/** Options of `verifyTotp`. */
export interface VerifyTotpOptions extends TotpOptions {
  /** Accepted steps either side of now (clock drift), 0–10. Default 1. */
  window?: number;
  /** Clock in epoch ms. */
  timestamp?: number;
}

function settings(options: TotpOptions): { period: number; digits: number } {
  const { step = 30, digits = 6 } = options;
  if (!Number.isInteger(step) || step < 1 || step > 3600) throw new RangeError("TOTP step must be an integer number of seconds (1–3600)");
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) throw new RangeError("TOTP digits must be 6, 7 or 8");
  return { period: step, digits };
}

/** A secret key as otpauth wants it; throws `TypeError` for malformed or empty base32. */
function secretOf(secret: string): Secret {
  const bytes = base32Decode(secret);
  if (bytes.length === 0) throw new TypeError("TOTP secret is empty");
  return new Secret({ buffer: bytes.slice().buffer });
}

/**
 * A new secret: base32 of 20 random bytes (160 bits, RFC 4226's recommendation), 32 characters.
 * @example const secret = generateTotpSecret();
 */
export function generateTotpSecret(): string {
  return base32Encode(crypto.getRandomValues(new Uint8Array(20)));
}

/**
 * The code for a secret at `timestamp` (default now).
 * @example generateTotp(secret) // "492039"
 */
export function generateTotp(secret: string, options: TotpOptions & { timestamp?: number } = {}): string {
  return TOTP.generate({ secret: secretOf(secret), algorithm: "SHA1", ...settings(options), timestamp: options.timestamp ?? Date.now() });
}

/**
 * Checks a code against the steps `−window…+window` around now. Returns the matched time step
 * (`floor(unixSeconds / step)`, remember it to refuse replays) or null. The code must be exactly
 * `digits` digits after trimming; anything else, and a malformed secret, is null (never throws).
 * @example const step = verifyTotp(body.code, enrollment.secret); if (step === null) throw ...
 */
export function verifyTotp(code: unknown, secret: string, options: VerifyTotpOptions = {}): number | null {
  try {
    const { period, digits } = settings(options);
    const window = options.window ?? 1;
    if (!Number.isInteger(window) || window < 0 || window > 10) throw new RangeError("TOTP window must be an integer between 0 and 10");
    if (typeof code !== "string") return null;
    const token = code.trim();
    if (token.length !== digits || !/^\d+$/.test(token)) return null;
    const timestamp = options.timestamp ?? Date.now();
    const delta = TOTP.validate({ token, secret: secretOf(secret), algorithm: "SHA1", period, digits, timestamp, window });
    return delta === null ? null : Math.floor(timestamp / 1000 / period) + delta;
  } catch (error) {
    if (error instanceof RangeError) throw error;
    return null;
  }
}

/** Options of `getTotpUri`. */
export interface TotpUriOptions extends TotpOptions {
  secret: string;
  /** Shown by the authenticator app as the service name. */
  issuer: string;
  /** The user's email or id. */
  account: string;
}

/**
 * The `otpauth://totp/<issuer>:<account>?secret=…&algorithm=SHA1&digits=6&period=30&issuer=…`
 * URI authenticator apps import (usually from a QR code).
 * @example getTotpUri({ secret, issuer: "Acme", account: "ada@example.com" })
 */
export function getTotpUri(options: TotpUriOptions): string {
  const { period, digits } = settings(options);
  const secret = base32Encode(base32Decode(options.secret));
  const label = `${encodeURIComponent(options.issuer)}:${encodeURIComponent(options.account)}`;
  return `otpauth://totp/${label}?secret=${secret}&algorithm=SHA1&digits=${digits}&period=${period}&issuer=${encodeURIComponent(options.issuer)}`;
}

/**
 * scrypt cost for backup-code hashes: N=4096 (a quarter of passwords'). A backup code is 40
 * random bits, not a human choice, and it sits in the same enrolment record as the TOTP secret,
 * which is stored recoverable: whoever can read the hashes can already mint TOTP codes, so
 * stronger hashing buys nothing, while a login checks up to `backupCodeCount` hashes in a row.
 */
export const BACKUP_CODE_SCRYPT: Readonly<Pick<ScryptParams, "N" | "r" | "p">> = Object.freeze({ N: 4096, r: 8, p: 1 });

const CODE = /^([0-9a-f]{5})-?([0-9a-f]{5})$/;

function randomCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 5)}-${hex.slice(5)}`;
}

/**
 * `n` (1–100, default 10) one-time codes `xxxxx-xxxxx` (10 lowercase hex) and their hashes, in
 * the same order. Show the codes once; store the hashes.
 * @example const { codes, hashes } = await generateBackupCodes(10);
 */
export async function generateBackupCodes(n = 10): Promise<{ codes: string[]; hashes: string[] }> {
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new RangeError("generateBackupCodes: n must be an integer between 1 and 100");
  const codes = new Set<string>();
  while (codes.size < n) codes.add(randomCode());
  const list = [...codes];
  const hashes: string[] = [];
  // One at a time: each derivation holds 4 MiB, and parallel ones would not run faster on one thread.
  for (const code of list) hashes.push(await hashPassword(code, BACKUP_CODE_SCRYPT));
  return { codes: list, hashes };
}

/**
 * Finds which stored hash a code matches. Case, surrounding spaces and the dash are forgiven;
 * anything else that is not 10 hex digits fails without hashing. Tombstoned (`""`) hashes never
 * match. `index` is -1 when nothing matched; tombstone `hashes[index]` after use.
 * @example const { matched, index } = await verifyBackupCode(body.code, enrollment.backupCodeHashes);
 */
export async function verifyBackupCode(code: unknown, hashes: readonly string[]): Promise<{ matched: boolean; index: number }> {
  if (typeof code !== "string" || !Array.isArray(hashes)) return { matched: false, index: -1 };
  const match = CODE.exec(code.trim().toLowerCase());
  if (!match) return { matched: false, index: -1 };
  const canonical = `${match[1]}-${match[2]}`;
  for (let i = 0; i < hashes.length; i++) {
    const hash = hashes[i];
    if (typeof hash === "string" && hash !== "" && (await verifyPassword(canonical, hash))) return { matched: true, index: i };
  }
  return { matched: false, index: -1 };
}
