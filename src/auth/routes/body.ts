/**
 * Request bodies of the auth routes (spec 40 §4): JSON whatever the Content-Type, empty = `{}`,
 * malformed or non-object → 400. Credential fields are bounded before anything hashes or looks
 * them up, so an oversized or mistyped field is a 400 and never reaches the app's callbacks.
 * @module
 */
import type { Context } from "hono";
import { ValidationError, type FieldError } from "../../errors/problem.js";
import { readJsonBody } from "../../resource/input.js";
import { PASSWORD_LIMITS } from "../password.js";

/** Largest auth request body: credentials are small, so 64 KiB is generous. */
export const AUTH_BODY_LIMIT = 64 * 1024;

/** Longest field accepted, per field name (emails per RFC 5321; passwords per the hashing cap). */
const LIMITS: Record<string, number> = {
  email: 320,
  password: PASSWORD_LIMITS.maxPasswordBytes,
  name: 256,
  token: 320,
  code: 64,
  mfaCode: 64,
  mfaToken: 128,
};

const encoder = new TextEncoder();

/** The request's JSON body as an object; throws 400 for malformed JSON or a non-object. */
export async function readAuthBody(c: Context): Promise<Record<string, unknown>> {
  const body = await readJsonBody(c, AUTH_BODY_LIMIT);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ValidationError("Request body must be a JSON object", [{ field: "", message: "Expected an object" }]);
  }
  return body as Record<string, unknown>;
}

/**
 * The named string fields. Absent, `null` or empty → `undefined`; a present field of the wrong
 * type or over its length cap → 400 naming the field (`message` is the problem's detail).
 */
export function stringFields<K extends string>(body: Record<string, unknown>, names: readonly K[], message: string): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  const errors: FieldError[] = [];
  for (const name of names) {
    const value = body[name];
    if (value === undefined || value === null || value === "") continue;
    if (typeof value !== "string") {
      errors.push({ field: name, message: "Expected a string" });
      continue;
    }
    const limit = LIMITS[name] ?? 1024;
    if (encoder.encode(value).length > limit) {
      errors.push({ field: name, message: `Must be at most ${limit} bytes` });
      continue;
    }
    out[name] = value;
  }
  if (errors.length > 0) throw new ValidationError(message, errors);
  return out;
}

/** Like `stringFields`, but every named field is required: any missing one → 400 `message`. */
export function requiredFields<K extends string>(body: Record<string, unknown>, names: readonly K[], message: string): Record<K, string> {
  const out = stringFields(body, names, message);
  const missing = names.filter((name) => out[name] === undefined);
  if (missing.length > 0) throw new ValidationError(message, missing.map((field) => ({ field, message: "Required" })));
  return out as Record<K, string>;
}
