/**
 * `POST /login` and `POST /signup` (spec 40 §4), in the spec's exact order. Login: presence →
 * throttle lock (429 even with the right password) → credentials (failure recorded) → MFA gate
 * → issue with rotation, CSRF re-issue, `onLogin` → throttle reset. Signup: presence → email
 * check → policy → app password check → `createUser` → issue (auto-login) → `onSignup`.
 * @module
 */
import { Hono } from "hono";
import { UnauthorizedError, ValidationError } from "../../errors/problem.js";
import { enforcePasswordStrength } from "../password-policy.js";
import { mfaGate } from "../flows/mfa-core.js";
import { readAuthBody, requiredFields, stringFields } from "./body.js";
import type { AuthRuntime } from "./runtime.js";

const CREDENTIALS_REQUIRED = "Email and password are required";

/** Mounts `POST /login` (when `login` is configured). */
export function loginRoute(rt: AuthRuntime, router: Hono): void {
  const login = rt.options.login;
  if (!login) return;
  router.post("/login", async (c) => {
    const body = await readAuthBody(c);
    const { email, password } = requiredFields(body, ["email", "password"], CREDENTIALS_REQUIRED);
    const { mfaCode } = stringFields(body, ["mfaCode"], "Invalid MFA code");
    await rt.throttle?.check(c, email);
    const user = await login.validateCredentials(email, password);
    if (!user) {
      await rt.throttle?.fail(c, email);
      throw new UnauthorizedError("Invalid email or password");
    }
    const challenge = await mfaGate(rt, c, user, email, mfaCode);
    if (challenge) {
      // Asking for the second factor is not a failed attempt.
      await rt.throttle?.release(c, email);
      return challenge;
    }
    const identity = await rt.completeLogin(c, user);
    await rt.throttle?.reset(c, email);
    return c.json(rt.loginBody(identity));
  });
}

/** Mounts `POST /signup` (when `signup` is configured). */
export function signupRoute(rt: AuthRuntime, router: Hono): void {
  const signup = rt.options.signup;
  if (!signup) return;
  router.post("/signup", async (c) => {
    const body = await readAuthBody(c);
    const { email, password } = requiredFields(body, ["email", "password"], CREDENTIALS_REQUIRED);
    const { name } = stringFields(body, ["name"], "Invalid name");
    if (signup.validateEmail && !(await signup.validateEmail(email))) {
      throw new ValidationError("Invalid email format", [{ field: "email", message: "Invalid email format" }]);
    }
    if (rt.options.passwordPolicy) enforcePasswordStrength(password, rt.options.passwordPolicy);
    if (signup.validatePassword && !(await signup.validatePassword(password))) {
      throw new ValidationError("Password does not meet requirements", [{ field: "password", message: "Password does not meet requirements" }]);
    }
    const created = await signup.createUser({ email, password, ...(name !== undefined ? { name } : {}) });
    const identity = await rt.issue(c, created);
    if (rt.options.onSignup) await rt.options.onSignup(identity.user ?? created, c);
    const user = identity.user ?? created;
    const shaped = rt.options.serializeUser ? rt.serialize(user) : { id: user.id, email: user.email ?? null, name: user.name ?? null };
    return c.json({ ...rt.loginBody(identity), user: shaped });
  });
}
