/**
 * MFA checks shared by login, `/mfa/verify`, `/magic-link/verify` and re-enrolment (spec 40 §15):
 * code verification with replay protection, and the `mfaToken` ticket proving the first factor.
 *
 * [dev] Replay: an accepted TOTP step is claimed per user in KV (`set ifAbsent`, TTL
 * `(2·window+1)·step` s), and a backup code is claimed in KV before its hash is tombstoned, so
 * two concurrent uses of one code cannot both pass.
 * @module
 */
import type { Context } from "hono";
import { RateLimitError, UnauthorizedError } from "../../errors/problem.js";
import { KV_LIMITS } from "../../ports/kv-store.js";
import { sha256Hex } from "../../util/sha256.js";
import { verifyBackupCode, verifyTotp } from "../totp.js";
import { generateToken } from "../verification-tokens.js";
import type { AuthUser } from "../types.js";
import type { MfaEnrollment, MfaOptions } from "../routes/options.js";
import type { AuthRuntime } from "../routes/runtime.js";
import { bumpWindow } from "../throttle.js";

/** Lifetime of an `mfaToken`: 5 minutes. */
export const MFA_TICKET_TTL_MS = 5 * 60_000;
/** Wrong codes one ticket survives before it is burnt (then the password step is needed again). */
export const MFA_TICKET_ATTEMPTS = 5;

/** TOTP settings with their defaults. */
export function totpSettings(mfa: MfaOptions): { step: number; digits: number; window: number } {
  return { step: mfa.totp?.step ?? 30, digits: mfa.totp?.digits ?? 6, window: mfa.totp?.window ?? 1 };
}

/** Accepts a TOTP code once per time step per user. */
export async function acceptTotp(rt: AuthRuntime, c: Context, mfa: MfaOptions, userId: string, secret: string, code: string): Promise<boolean> {
  const settings = totpSettings(mfa);
  const step = verifyTotp(code, secret, settings);
  if (step === null) return false;
  const ttlMs = (2 * settings.window + 1) * settings.step * 1000;
  return rt.kv(c).set(`mfa:totp:${userId}:${step}`, "1", { ttlMs, ifAbsent: true });
}

/** Wrong second-factor codes a user may send per window, on every route that takes one. */
export const MFA_MAX_FAILURES = 10;
/** The window of `MFA_MAX_FAILURES`: 15 minutes. */
export const MFA_FAILURE_WINDOW_MS = 15 * 60_000;

/**
 * Checks a TOTP or backup code for an enrolment; a used backup code is tombstoned. Every check is
 * counted per user before it runs (so parallel guesses cannot outrun the count) and the count is
 * cleared by a correct code: past `MFA_MAX_FAILURES` in the window the answer is 429, whichever
 * route asks (login, /mfa/verify, magic link, re-enrolment) and whether or not login throttling is on.
 */
export async function acceptMfaCode(rt: AuthRuntime, c: Context, mfa: MfaOptions, userId: string, enrollment: MfaEnrollment, code: string): Promise<boolean> {
  const kv = rt.kv(c);
  const key = `mfa:fail:${userId}`;
  const window = await bumpWindow(kv, key, 1, MFA_FAILURE_WINDOW_MS);
  if (!window || window.count > MFA_MAX_FAILURES) {
    throw new RateLimitError(window ? Math.max(1, (window.resetAt - Date.now()) / 1000) : 1, {}, "Too many MFA attempts, please try again later");
  }
  const accepted = await checkMfaCode(rt, c, mfa, userId, enrollment, code);
  if (accepted) await kv.delete(key);
  return accepted;
}

async function checkMfaCode(rt: AuthRuntime, c: Context, mfa: MfaOptions, userId: string, enrollment: MfaEnrollment, code: string): Promise<boolean> {
  if (await acceptTotp(rt, c, mfa, userId, enrollment.secret, code)) return true;
  const hashes = enrollment.backupCodeHashes ?? [];
  const { matched, index } = await verifyBackupCode(code, hashes);
  if (!matched) return false;
  const claim = `mfa:backup:${userId}:${await sha256Hex(hashes[index]!)}`;
  if (!(await rt.kv(c).set(claim, "1", { ttlMs: KV_LIMITS.maxTtlMs, ifAbsent: true }))) return false;
  // Re-read: a concurrent request may have tombstoned another code since `enrollment` was loaded,
  // and writing back a stale copy would restore it (the KV claim above still blocks its reuse).
  const current = (await mfa.getEnrollment(userId)) ?? enrollment;
  const tombstoned = (current.backupCodeHashes ?? hashes).map((hash, i) => (i === index ? "" : hash));
  await mfa.saveEnrollment(userId, { ...current, backupCodeHashes: tombstoned });
  await mfa.consumeBackupCode?.(userId, index);
  return true;
}

interface Ticket {
  userId: string;
  email: string;
  attempts: number;
  expiresAt: number;
}

const ticketKey = async (token: string) => `mfa:ticket:${await sha256Hex(token)}`;

/** A fresh single-use `mfaToken` for a user who passed the first factor. */
export async function issueMfaTicket(rt: AuthRuntime, c: Context, user: AuthUser, email: string): Promise<string> {
  const token = generateToken();
  const ticket: Ticket = { userId: String(user.id), email: email.trim().toLowerCase(), attempts: 0, expiresAt: Date.now() + MFA_TICKET_TTL_MS };
  await rt.kv(c).set(await ticketKey(token), JSON.stringify(ticket), { ttlMs: MFA_TICKET_TTL_MS });
  return token;
}

/**
 * Takes the ticket out of the store (atomic get-and-delete) if it matches `email`. `putBack`
 * returns it after a wrong code until its attempts run out.
 */
export async function takeMfaTicket(rt: AuthRuntime, c: Context, token: string, email: string): Promise<{ userId: string; putBack(): Promise<void> } | null> {
  const kv = rt.kv(c);
  const key = await ticketKey(token);
  const raw = await kv.get(key);
  if (raw === null || !(await kv.compareAndSet(key, raw, null))) return null;
  const ticket = JSON.parse(raw) as Ticket;
  if (ticket.expiresAt <= Date.now() || ticket.email !== email.trim().toLowerCase()) return null;
  return {
    userId: ticket.userId,
    async putBack() {
      const attempts = ticket.attempts + 1;
      const ttlMs = ticket.expiresAt - Date.now();
      if (attempts >= MFA_TICKET_ATTEMPTS || ttlMs <= 0) return;
      await kv.set(key, JSON.stringify({ ...ticket, attempts }), { ttlMs });
    },
  };
}

/**
 * The step-up gate of a login path: passes (null) when MFA is off for the user; without a code
 * answers 401 `{ mfaRequired: true, mfaToken }` (no throttle failure); a wrong code records a
 * throttle failure and throws 401 "Invalid MFA code".
 */
export async function mfaGate(rt: AuthRuntime, c: Context, user: AuthUser, email: string, code: string | undefined): Promise<Response | null> {
  const mfa = rt.options.mfa;
  if (!mfa?.requireOnLogin) return null;
  const enrollment = await mfa.getEnrollment(String(user.id));
  if (!enrollment?.enabled) return null;
  if (code === undefined) return c.json({ mfaRequired: true, mfaToken: await issueMfaTicket(rt, c, user, email) }, 401);
  if (await acceptMfaCode(rt, c, mfa, String(user.id), enrollment, code)) return null;
  await rt.throttle?.fail(c, email);
  throw new UnauthorizedError("Invalid MFA code");
}
