/**
 * Magic-link login (spec 40 §14). `/magic-link/request` always answers `{ success: true }` and
 * sends (after the response) only to existing users; `/magic-link/verify` consumes the token
 * once, applies the MFA gate (`mfaCode`), then completes the login like a password login.
 * @module
 */
import type { Hono } from "hono";
import { UnauthorizedError } from "../../errors/problem.js";
import { issueVerificationToken } from "../verification-tokens.js";
import { readAuthBody, requiredFields, stringFields } from "../routes/body.js";
import type { AuthRuntime } from "../routes/runtime.js";
import { mfaGate } from "./mfa-core.js";
import { fireAndForget } from "../sessions/session-core.js";
import { redeemOrReject } from "./verification.js";

/** Default lifetime of a magic link: 15 min. */
export const MAGIC_LINK_TTL_MS = 15 * 60_000;

/** Mounts the magic-link routes when `magicLink` is configured. */
export function magicLinkRoutes(rt: AuthRuntime, router: Hono): void {
  const flow = rt.options.magicLink;
  if (!flow) return;
  const hashTokens = flow.hashTokens ?? true;

  router.post("/magic-link/request", async (c) => {
    const { email } = requiredFields(await readAuthBody(c), ["email"], "Email is required");
    const store = rt.tokenStore(c, flow.store);
    fireAndForget(c, async () => {
      if (!(await flow.findUserByEmail(email))) return;
      const { token, expiresAt } = await issueVerificationToken(store, `magic:${email}`, { ttlMs: flow.ttlMs ?? MAGIC_LINK_TTL_MS, hashTokens });
      await flow.sendLink({ identifier: email, token, expiresAt, c });
    });
    return c.json({ success: true });
  });

  router.post("/magic-link/verify", async (c) => {
    const body = await readAuthBody(c);
    const { email, token } = requiredFields(body, ["email", "token"], "Email and token are required");
    const { mfaCode } = stringFields(body, ["mfaCode"], "Invalid MFA code");
    await redeemOrReject(rt.tokenStore(c, flow.store), `magic:${email}`, token, hashTokens);
    const user = await flow.findUserByEmail(email);
    if (!user) throw new UnauthorizedError("User not found");
    const challenge = await mfaGate(rt, c, user, email, mfaCode);
    if (challenge) return challenge;
    return c.json(rt.loginBody(await rt.completeLogin(c, user)));
  });
}
