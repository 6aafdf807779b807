/**
 * Credential extraction for the Passport adapter, in Covara's tested precedence (spec 40 §6.1):
 * cookie `connect.sid` → the session cookie → `Authorization: Bearer <session id>` → `Basic` →
 * `X-API-Key`. The first one present wins, valid or not. Oversized values are ignored.
 * @module
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { base64urlToBytes } from "../../util/base64url.js";
import type { AuthCredentials } from "../types.js";

/** Longest `Authorization: Basic` payload (base64) considered; longer ones are ignored. */
const MAX_BASIC_LENGTH = 4096;
/** Longest `X-API-Key` considered. */
const MAX_API_KEY_LENGTH = 1024;

/** `Basic` credentials split at the FIRST colon (spec 40 §6.1 [dev]: passwords may contain colons). */
export function parseBasic(payload: string): { username: string; password: string } | null {
  if (payload.length === 0 || payload.length > MAX_BASIC_LENGTH || !/^[A-Za-z0-9+/]+={0,2}$/.test(payload)) return null;
  const bytes = base64urlToBytes(payload.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
  if (!bytes) return null;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  const colon = text.indexOf(":");
  if (colon < 0) return null;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** The request's credentials in Passport precedence, or null. */
export function extractPassportCredentials(c: Context, cookieName: string): AuthCredentials | null {
  const connectSid = getCookie(c, "connect.sid");
  if (connectSid) return { type: "session", sessionId: connectSid };
  const session = getCookie(c, cookieName);
  if (session) return { type: "session", sessionId: session };
  const authorization = c.req.header("authorization")?.trim();
  if (authorization) {
    const [, scheme = "", value = ""] = /^(\S+)\s+(\S+)$/.exec(authorization) ?? [];
    if (/^bearer$/i.test(scheme)) return { type: "bearer", token: value };
    if (/^basic$/i.test(scheme)) {
      const basic = parseBasic(value);
      if (basic) return { type: "basic", ...basic };
    }
  }
  const apiKey = c.req.header("x-api-key")?.trim();
  if (apiKey && apiKey.length <= MAX_API_KEY_LENGTH) return { type: "apiKey", key: apiKey };
  return null;
}

/** The session ids a request carries (both cookies and a bearer), for rotation and logout. */
export function carriedSessionIds(c: Context, cookieName: string): (string | undefined)[] {
  const authorization = c.req.header("authorization")?.trim() ?? "";
  const bearer = /^bearer\s+(\S+)$/i.exec(authorization)?.[1];
  return [getCookie(c, "connect.sid"), getCookie(c, cookieName), bearer];
}
