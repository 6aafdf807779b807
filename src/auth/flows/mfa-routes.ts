/**
 * TOTP MFA routes (spec 40 §15): `/mfa/enroll`, `/mfa/enroll/confirm`, `/mfa/verify`.
 * [dev] Re-enrolling over an enabled enrolment needs a current code (else 403), and
 * `/mfa/verify` needs the `mfaToken` the password step returned — a TOTP code alone is never a login.
 * @module
 */
import type { Hono } from "hono";
import { ForbiddenError, UnauthorizedError, ValidationError } from "../../errors/problem.js";
import { generateBackupCodes, generateTotpSecret, getTotpUri } from "../totp.js";
import { getUser } from "../guards.js";
import { readAuthBody, requiredFields, stringFields } from "../routes/body.js";
import type { AuthRuntime } from "../routes/runtime.js";
import { acceptMfaCode, acceptTotp, takeMfaTicket, totpSettings } from "./mfa-core.js";

/** Mounts the MFA routes when `mfa` is configured. */
export function mfaRoutes(rt: AuthRuntime, router: Hono): void {
  const mfa = rt.options.mfa;
  if (!mfa) return;
  const settings = totpSettings(mfa);

  router.post("/mfa/enroll", async (c) => {
    const user = getUser(c);
    if (!user) throw new UnauthorizedError();
    const { code } = stringFields(await readAuthBody(c), ["code"], "Invalid MFA code");
    const existing = await mfa.getEnrollment(user.id);
    if (existing?.enabled && (code === undefined || !(await acceptMfaCode(rt, c, mfa, user.id, existing, code)))) {
      throw new ForbiddenError("A current MFA code is required to re-enroll");
    }
    const secret = generateTotpSecret();
    const { codes, hashes } = await generateBackupCodes(mfa.backupCodeCount ?? 10);
    await mfa.saveEnrollment(user.id, { secret, enabled: false, backupCodeHashes: hashes });
    await mfa.saveBackupCodeHashes?.(user.id, hashes);
    const otpauthUri = getTotpUri({ secret, issuer: mfa.issuer ?? "Covara", account: user.email ?? user.id, step: settings.step, digits: settings.digits });
    return c.json({ secret, otpauthUri, backupCodes: codes });
  });

  router.post("/mfa/enroll/confirm", async (c) => {
    const user = getUser(c);
    if (!user) throw new UnauthorizedError();
    const { code } = requiredFields(await readAuthBody(c), ["code"], "MFA code is required");
    const enrollment = await mfa.getEnrollment(user.id);
    if (!enrollment || enrollment.enabled) throw new ValidationError("No pending MFA enrollment");
    if (!(await acceptTotp(rt, c, mfa, user.id, enrollment.secret, code))) {
      throw new ValidationError("Invalid MFA code", [{ field: "code", message: "Invalid MFA code" }]);
    }
    await mfa.saveEnrollment(user.id, { ...enrollment, enabled: true });
    return c.json({ success: true, enabled: true });
  });

  router.post("/mfa/verify", async (c) => {
    const { email, code, mfaToken } = requiredFields(await readAuthBody(c), ["email", "code", "mfaToken"], "Email, code and mfaToken are required");
    await rt.throttle?.check(c, email);
    const ticket = await takeMfaTicket(rt, c, mfaToken, email);
    if (!ticket) throw new UnauthorizedError("Invalid or expired MFA token");
    const enrollment = await mfa.getEnrollment(ticket.userId);
    if (!enrollment?.enabled || !(await acceptMfaCode(rt, c, mfa, ticket.userId, enrollment, code))) {
      await ticket.putBack();
      await rt.throttle?.fail(c, email);
      throw new UnauthorizedError("Invalid MFA code");
    }
    const identity = await rt.completeLogin(c, { id: ticket.userId });
    await rt.throttle?.reset(c, email);
    return c.json(rt.loginBody(identity));
  });
}
