/**
 * Keyset cursors (spec 10 §6.2): base64url JSON holding the last row's sort values and id,
 * the orderBy hash and issue time, optionally HMAC-signed. Web Crypto only, so Workers need
 * no `nodejs_compat`.
 * @module
 */
import { CursorExpiredError, CursorInvalidError } from "../errors/problem.js";
import { bytesToBase64url, base64urlToBytes, decodeBase64urlText, encodeBase64urlText } from "../util/base64url.js";
import { Lru } from "../util/lru.js";

/** The decoded position: sort values by field (or the id when unordered) and the id. */
export interface CursorPosition {
  v: Record<string, unknown> | unknown;
  id: string;
}

interface CursorPayload extends CursorPosition {
  _ver?: number;
  _orderByHash?: string;
  _ts?: number;
}

const CURSOR_VERSION = 1;
const encoder = new TextEncoder();
const hashes = new Lru<string, string>(256);
const keys = new Lru<string, Promise<CryptoKey>>(16);

/** First 8 hex chars of SHA-256 of the raw orderBy string, or `"default"`. Cached: lists ask for it on every page. */
export async function orderByHash(orderBy: string | undefined): Promise<string> {
  if (!orderBy) return "default";
  const cached = hashes.get(orderBy);
  if (cached) return cached;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(orderBy)));
  let hex = "";
  for (let i = 0; i < 4; i++) hex += digest[i]!.toString(16).padStart(2, "0");
  hashes.set(orderBy, hex);
  return hex;
}

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
  }
  return key;
}

/** Options shared by encoding and decoding. */
export interface CursorOptions {
  orderBy: string | undefined;
  secret?: string | null;
  maxAgeMs?: number;
  now?: () => number;
}

/** Encodes the position of the last row of a page. */
export async function encodeCursor(position: CursorPosition, options: CursorOptions): Promise<string> {
  const payload: CursorPayload = {
    v: position.v,
    id: position.id,
    _ver: CURSOR_VERSION,
    _orderByHash: await orderByHash(options.orderBy),
    _ts: (options.now ?? Date.now)(),
  };
  const body = encodeBase64urlText(JSON.stringify(payload));
  if (!options.secret) return body;
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(options.secret), encoder.encode(body));
  return `${body}.${bytesToBase64url(new Uint8Array(signature))}`;
}

/** Decodes and checks a cursor; every failure is a `cursor-invalid` or `cursor-expired` problem. */
export async function decodeCursor(cursor: string, options: CursorOptions): Promise<CursorPosition> {
  if (cursor.length > 4096) throw new CursorInvalidError("malformed");
  const [body, signature, ...rest] = cursor.split(".");
  if (!body || rest.length > 0) throw new CursorInvalidError("malformed");
  if (options.secret) {
    const bytes = signature ? base64urlToBytes(signature) : null;
    // crypto.subtle.verify compares in constant time.
    const valid = bytes && (await crypto.subtle.verify("HMAC", await hmacKey(options.secret), bytes as Uint8Array<ArrayBuffer>, encoder.encode(body)));
    if (!valid) throw new CursorInvalidError("tampered", "Pagination cursor signature is missing or invalid");
  } else if (signature !== undefined) {
    throw new CursorInvalidError("malformed");
  }
  const payload = parsePayload(body);
  const legacy = payload._ver === undefined && payload._orderByHash === undefined;
  if (!legacy) {
    if (payload._ver !== CURSOR_VERSION) throw new CursorInvalidError("version_mismatch", "Pagination cursor version is not supported");
    if (payload._orderByHash !== (await orderByHash(options.orderBy))) {
      throw new CursorInvalidError("orderby_mismatch", "Pagination cursor was issued for a different orderBy");
    }
    if (options.maxAgeMs !== undefined && typeof payload._ts === "number") {
      if ((options.now ?? Date.now)() - payload._ts > options.maxAgeMs) throw new CursorExpiredError();
    }
  }
  return { v: payload.v, id: payload.id };
}

function parsePayload(body: string): CursorPayload {
  const text = decodeBase64urlText(body);
  if (text === null) throw new CursorInvalidError("malformed");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CursorInvalidError("malformed");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new CursorInvalidError("malformed");
  const payload = value as CursorPayload;
  if (!("v" in payload) || (typeof payload.id !== "string" && typeof payload.id !== "number")) {
    throw new CursorInvalidError("malformed");
  }
  return { ...payload, id: String(payload.id) };
}
