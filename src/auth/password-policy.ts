/**
 * Password strength policy (spec 40 §11): length, character classes and a denylist of common
 * passwords. `useAuth` enforces it on signup and password reset; apps can call it anywhere.
 * @module
 */
import { ValidationError, type FieldError } from "../errors/problem.js";
import { PASSWORD_LIMITS } from "./password.js";

/** `passwordPolicy` options; every check but `minLength` and the built-in denylist is off by default. */
export interface PasswordPolicyOptions {
  /** Fewest characters (Unicode code points). Default 8. */
  minLength?: number;
  /** Most characters; unset means only the 1024-byte hashing cap applies. */
  maxLength?: number;
  requireUppercase?: boolean;
  requireLowercase?: boolean;
  /** A decimal digit (any script). */
  requireNumber?: boolean;
  /** Anything that is not a letter, a digit or whitespace. */
  requireSymbol?: boolean;
  /** Extra refused passwords, matched whole-string and case-insensitively. */
  denylist?: readonly string[];
  /** Also refuse the 20 built-in common passwords. Default true. */
  useBuiltInDenylist?: boolean;
}

/** The outcome of a policy check; `errors` holds one message per failed rule. */
export interface PasswordStrengthResult {
  valid: boolean;
  errors: string[];
}

const BUILT_IN_DENYLIST = Object.freeze([
  "password", "123456", "12345678", "123456789", "1234567890",
  "qwerty", "qwerty123", "letmein", "changeme", "admin",
  "welcome", "iloveyou", "abc123", "111111", "password1",
  "password123", "monkey", "dragon", "football", "sunshine",
]);

/** The 20 built-in common passwords (lowercase). */
export function builtInPasswordDenylist(): string[] {
  return [...BUILT_IN_DENYLIST];
}

const encoder = new TextEncoder();

/**
 * Checks a password against the policy and lists every failed rule. A non-string is invalid
 * (never throws), and so is anything over 1024 UTF-8 bytes, the hashing cap.
 * @example validatePasswordStrength("hunter2", { minLength: 10 }) // { valid: false, errors: [...] }
 */
export function validatePasswordStrength(password: unknown, options: PasswordPolicyOptions = {}): PasswordStrengthResult {
  if (typeof password !== "string") return { valid: false, errors: ["Password must be a string"] };
  const errors: string[] = [];
  const { minLength = 8, maxLength } = options;
  const length = [...password].length;
  if (length < minLength) errors.push(`Password must be at least ${minLength} characters long`);
  if (maxLength !== undefined && length > maxLength) errors.push(`Password must be at most ${maxLength} characters long`);
  if (encoder.encode(password).length > PASSWORD_LIMITS.maxPasswordBytes) {
    errors.push(`Password must be at most ${PASSWORD_LIMITS.maxPasswordBytes} bytes long`);
  }
  if (options.requireUppercase && !/\p{Lu}/u.test(password)) errors.push("Password must contain an uppercase letter");
  if (options.requireLowercase && !/\p{Ll}/u.test(password)) errors.push("Password must contain a lowercase letter");
  if (options.requireNumber && !/\p{Nd}/u.test(password)) errors.push("Password must contain a number");
  if (options.requireSymbol && !/[^\p{L}\p{N}\s]/u.test(password)) errors.push("Password must contain a symbol");
  const lowered = password.toLowerCase();
  const denied =
    ((options.useBuiltInDenylist ?? true) && BUILT_IN_DENYLIST.includes(lowered)) ||
    (options.denylist ?? []).some((entry) => entry.toLowerCase() === lowered);
  if (denied) errors.push("Password is too common");
  return { valid: errors.length === 0, errors };
}

/**
 * Throws a 400 `ValidationError` "Password does not meet requirements" with
 * `errors: [{ field: "password", message }]` when the password fails the policy.
 * @example enforcePasswordStrength(body.password, { minLength: 12, requireNumber: true });
 */
export function enforcePasswordStrength(password: unknown, options: PasswordPolicyOptions = {}): void {
  const { valid, errors } = validatePasswordStrength(password, options);
  if (valid) return;
  const fieldErrors: FieldError[] = errors.map((message) => ({ field: "password", message }));
  throw new ValidationError("Password does not meet requirements", fieldErrors);
}
