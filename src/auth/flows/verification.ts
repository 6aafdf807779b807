/**
 * Email verification (spec 40 §14): `/verify/request` issues a token for any address (no
 * existence check, so nothing leaks; give it a budget), `/verify/confirm` consumes it once and
 * calls `markVerified`. Tokens are stored under `verify:<email>` ([dev] purpose binding), hashed
 * by default.
 * @module
 */
import type { Hono } from "hono";
import { ValidationError } from "../../errors/problem.js";
import { issueVerificationToken, redeemVerificationToken } from "../verification-tokens.js";
import { readAuthBody, requiredFields } from "../routes/body.js";
import type { AuthRuntime } from "../routes/runtime.js";
import type { VerificationTokenStore } from "../types.js";

/** Default lifetime of a verification token: 24 h. */
export const VERIFICATION_TTL_MS = 24 * 3_600_000;

/** The 400 of every failed redemption (unknown, expired, already used, other purpose). */
export const INVALID_TOKEN = "Invalid or expired token";

/** Consumes a purpose-bound token once; every failure is the same 400, so none says why. */
export async function redeemOrReject(store: VerificationTokenStore, identifier: string, token: string, hashTokens: boolean): Promise<void> {
  const redeemed = await redeemVerificationToken(store, identifier, token, { hashTokens });
  if (!redeemed.ok) throw new ValidationError(INVALID_TOKEN, [{ field: "token", message: INVALID_TOKEN }]);
}

/** Mounts the verification routes when `verification` is configured. */
export function verificationRoutes(rt: AuthRuntime, router: Hono): void {
  const flow = rt.options.verification;
  if (!flow) return;
  const hashTokens = flow.hashTokens ?? true;

  router.post("/verify/request", async (c) => {
    const { email } = requiredFields(await readAuthBody(c), ["email"], "Email is required");
    const store = rt.tokenStore(c, flow.store);
    const { token, expiresAt } = await issueVerificationToken(store, `verify:${email}`, { ttlMs: flow.ttlMs ?? VERIFICATION_TTL_MS, hashTokens });
    await flow.sendToken({ identifier: email, token, expiresAt, c });
    return c.json({ success: true });
  });

  router.post("/verify/confirm", async (c) => {
    const { email, token } = requiredFields(await readAuthBody(c), ["email", "token"], "Email and token are required");
    await redeemOrReject(rt.tokenStore(c, flow.store), `verify:${email}`, token, hashTokens);
    await flow.markVerified(email);
    return c.json({ success: true });
  });
}
