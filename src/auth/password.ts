/**
 * Password hashing with scrypt (spec 40 §11), pure JS through `@noble/hashes` so it runs on
 * Workers without `nodejs_compat`. Format: `scrypt$N=16384,r=8,p=1$<salt base64>$<key base64>`.
 * Hostile input is bounded: passwords over 1 KiB and stored strings whose parameters would cost
 * more than the caps below are refused before any derivation starts.
 * @module
 */
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { ValidationError } from "../errors/problem.js";
import { base64ToBytes, bytesToBase64 } from "../util/base64url.js";
import { timingSafeEqual } from "./constant-time.js";

/** scrypt cost parameters and output sizes. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
  /** Derived key length in bytes. */
  keylen: number;
  /** Random salt length in bytes. */
  saltlen: number;
}

/** The defaults: N=16384, r=8, p=1 (16 MiB, the interactive-login figure of RFC 7914), 64-byte key, 16-byte salt. */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 16384, r: 8, p: 1, keylen: 64, saltlen: 16 });

/**
 * Bounds on what is hashed or verified. A stored string outside them does not verify (and
 * `needsRehash` says true); `hashPassword` refuses to produce one.
 */
export const PASSWORD_LIMITS = Object.freeze({
  /** Longest password, in UTF-8 bytes: longer ones are refused without deriving anything. */
  maxPasswordBytes: 1024,
  /** Largest N (2^17). */
  maxN: 2 ** 17,
  maxR: 32,
  maxP: 16,
  /** Largest N·r·p, the CPU work: 8 times the default. */
  maxWork: 2 ** 20,
  /** Largest scrypt working memory, 128·r·(N+p) bytes: 64 MiB (Workers isolates have 128 MB). */
  maxMemoryBytes: 64 * 1024 * 1024,
  minKeylen: 16,
  maxKeylen: 256,
  minSaltlen: 8,
  maxSaltlen: 64,
});

const encoder = new TextEncoder();
const FORMAT = /^scrypt\$N=(\d{1,7}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/=]{1,400})\$([A-Za-z0-9+/=]{1,400})$/;

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Uint8Array;
  key: Uint8Array;
}

/** Why a parameter set is outside the limits, or null when it is usable. */
function paramsProblem(N: number, r: number, p: number, keylen: number, saltlen: number): string | null {
  const L = PASSWORD_LIMITS;
  if (!Number.isInteger(N) || N < 2 || N > L.maxN || (N & (N - 1)) !== 0) return `N must be a power of two between 2 and ${L.maxN}`;
  if (!Number.isInteger(r) || r < 1 || r > L.maxR) return `r must be an integer between 1 and ${L.maxR}`;
  if (!Number.isInteger(p) || p < 1 || p > L.maxP) return `p must be an integer between 1 and ${L.maxP}`;
  if (N * r * p > L.maxWork) return `N·r·p must be at most ${L.maxWork}`;
  if (128 * r * (N + p) > L.maxMemoryBytes) return `128·r·(N+p) must be at most ${L.maxMemoryBytes} bytes`;
  if (!Number.isInteger(keylen) || keylen < L.minKeylen || keylen > L.maxKeylen) return `keylen must be between ${L.minKeylen} and ${L.maxKeylen}`;
  if (!Number.isInteger(saltlen) || saltlen < L.minSaltlen || saltlen > L.maxSaltlen) return `saltlen must be between ${L.minSaltlen} and ${L.maxSaltlen}`;
  return null;
}

/** The parts of a stored hash, or null when it is malformed or outside the limits. */
function parseHash(stored: unknown): ParsedHash | null {
  if (typeof stored !== "string") return null;
  const match = FORMAT.exec(stored);
  if (!match) return null;
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const salt = base64ToBytes(match[4]!);
  const key = base64ToBytes(match[5]!);
  if (!salt || !key || paramsProblem(N, r, p, key.length, salt.length)) return null;
  return { N, r, p, salt, key };
}

function derive(password: Uint8Array, salt: Uint8Array, N: number, r: number, p: number, keylen: number): Promise<Uint8Array> {
  // The async variant yields to the event loop every few ms, so one login does not stall others.
  return scryptAsync(password, salt, { N, r, p, dkLen: keylen, maxmem: PASSWORD_LIMITS.maxMemoryBytes + 1024 });
}

/**
 * Hashes a password with a random salt. Throws a 400 `ValidationError` for a password over
 * 1024 UTF-8 bytes, a `TypeError` for a non-string and a `RangeError` for parameters outside
 * `PASSWORD_LIMITS`.
 * @example const stored = await hashPassword("correct horse battery staple");
 */
export async function hashPassword(password: string, options: Partial<ScryptParams> = {}): Promise<string> {
  if (typeof password !== "string") throw new TypeError("hashPassword: password must be a string");
  const { N, r, p, keylen, saltlen } = { ...DEFAULT_SCRYPT_PARAMS, ...options };
  const problem = paramsProblem(N, r, p, keylen, saltlen);
  if (problem) throw new RangeError(`hashPassword: ${problem}`);
  const bytes = encoder.encode(password);
  if (bytes.length > PASSWORD_LIMITS.maxPasswordBytes) {
    const message = `Password must be at most ${PASSWORD_LIMITS.maxPasswordBytes} bytes long`;
    throw new ValidationError("Password does not meet requirements", [{ field: "password", message }]);
  }
  const salt = crypto.getRandomValues(new Uint8Array(saltlen));
  const key = await derive(bytes, salt, N, r, p, keylen);
  return `scrypt$N=${N},r=${r},p=${p}$${bytesToBase64(salt)}$${bytesToBase64(key)}`;
}

/**
 * Checks a password against a stored hash, re-deriving with the stored parameters and key
 * length and comparing in constant time. Never throws: a non-string, an oversized password or a
 * malformed or out-of-limits hash is simply `false`.
 * @example if (!(await verifyPassword(body.password, user.passwordHash))) return null;
 */
export async function verifyPassword(password: unknown, stored: unknown): Promise<boolean> {
  try {
    if (typeof password !== "string") return false;
    const parsed = parseHash(stored);
    if (!parsed) return false;
    const bytes = encoder.encode(password);
    if (bytes.length > PASSWORD_LIMITS.maxPasswordBytes) return false;
    const key = await derive(bytes, parsed.salt, parsed.N, parsed.r, parsed.p, parsed.key.length);
    return timingSafeEqual(key, parsed.key);
  } catch {
    return false;
  }
}

/**
 * Whether a stored hash should be replaced after a successful login: true when it is
 * unparseable or its N, r or p is below the target (default: the defaults). Key and salt
 * lengths are not compared.
 * @example if (needsRehash(user.passwordHash)) await save(await hashPassword(password));
 */
export function needsRehash(stored: unknown, target: Partial<Pick<ScryptParams, "N" | "r" | "p">> = {}): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return true;
  const want = { ...DEFAULT_SCRYPT_PARAMS, ...target };
  return parsed.N < want.N || parsed.r < want.r || parsed.p < want.p;
}
