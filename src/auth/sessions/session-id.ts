/**
 * Session ids as they travel in cookies and headers. Anything implausible is dropped before it
 * reaches a store, so garbage, oversized or injection-looking values cost no lookup at all.
 * @module
 */

/** Longest id accepted from a request (a UUID is 36; Auth.js and express-session ids are shorter than this). */
export const MAX_SESSION_ID_LENGTH = 256;

const PLAUSIBLE = /^[A-Za-z0-9._~+/=:-]+$/;

/** Whether a request-supplied value can be a session id: non-empty, bounded, URL-safe characters only. */
export function isPlausibleSessionId(value: string | null | undefined): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_SESSION_ID_LENGTH && PLAUSIBLE.test(value);
}

/** A fresh unguessable session id (`crypto.randomUUID()`, 122 random bits). */
export function newSessionId(): string {
  return crypto.randomUUID();
}
