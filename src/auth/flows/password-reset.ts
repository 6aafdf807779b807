/**
 * Password reset (spec 40 §14). `/password/forgot` always answers `{ success: true }` and does
 * the lookup and sending after the response where the runtime allows, so known and unknown
 * emails look and time alike. `/password/reset`: policy first (a weak password does not burn
 * the token) → consume → hash → `resetPassword` → "log out everywhere" when asked.
 * @module
 */
import type { Hono } from "hono";
import { fireAndForget } from "../sessions/session-core.js";
import { hashPassword } from "../password.js";
import { enforcePasswordStrength } from "../password-policy.js";
import { issueVerificationToken } from "../verification-tokens.js";
import { readAuthBody, requiredFields } from "../routes/body.js";
import type { AuthRuntime } from "../routes/runtime.js";
import { redeemOrReject } from "./verification.js";

/** Default lifetime of a reset token: 1 h. */
export const RESET_TTL_MS = 3_600_000;

/** Mounts the reset routes when `passwordReset` is configured. */
export function passwordResetRoutes(rt: AuthRuntime, router: Hono): void {
  const flow = rt.options.passwordReset;
  if (!flow) return;
  const hashTokens = flow.hashTokens ?? true;

  router.post("/password/forgot", async (c) => {
    const { email } = requiredFields(await readAuthBody(c), ["email"], "Email is required");
    const store = rt.tokenStore(c, flow.store);
    fireAndForget(c, async () => {
      if (flow.findUserByEmail && !(await flow.findUserByEmail(email))) return;
      const { token, expiresAt } = await issueVerificationToken(store, `reset:${email}`, { ttlMs: flow.ttlMs ?? RESET_TTL_MS, hashTokens });
      await flow.sendToken({ identifier: email, token, expiresAt, c });
    });
    return c.json({ success: true });
  });

  router.post("/password/reset", async (c) => {
    const { email, token, password } = requiredFields(await readAuthBody(c), ["email", "token", "password"], "Email, token and password are required");
    if (rt.options.passwordPolicy) enforcePasswordStrength(password, rt.options.passwordPolicy);
    await redeemOrReject(rt.tokenStore(c, flow.store), `reset:${email}`, token, hashTokens);
    await flow.resetPassword(email, await hashPassword(password));
    if (flow.logoutEverywhere && flow.findUserByEmail && rt.strategy.invalidateUserSessions) {
      const user = await flow.findUserByEmail(email);
      if (user) await rt.strategy.invalidateUserSessions(String(user.id));
    }
    return c.json({ success: true });
  });
}
