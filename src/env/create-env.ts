/**
 * `createEnv(schema)` and `envVariable(source, schema)` (spec 60 §1–3): eager, fail-fast
 * validation of environment variables, and the public subset clients may see. Error messages
 * name the variable but never carry its value.
 * @module
 */
import { readEnv } from "./runtime-env.js";
import { ENV_VARIABLE, type Env, type EnvSchema, type EnvVariable, type SafeParseSchema, type SchemaOutput } from "./types.js";

/** Options of `createEnv`. */
export interface CreateEnvOptions {
  /** Where leaves are read: an env object such as a Worker's bindings. Default `process.env` (through `readEnv`). */
  source?: Record<string, unknown>;
}

const RESERVED = "getPublicEnvironmentVariables";

function isSchema(value: unknown): value is SafeParseSchema {
  return typeof value === "object" && value !== null && typeof (value as SafeParseSchema).safeParse === "function";
}

function isEnvVariable(value: unknown): value is EnvVariable {
  return typeof value === "object" && value !== null && (value as EnvVariable)[ENV_VARIABLE] === true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Zod's issue messages, with any occurrence of the raw value removed (a refine may quote its input). */
function describe(error: unknown, raw: unknown): string {
  const issues = (error as { issues?: { message?: unknown }[] } | undefined)?.issues;
  let message = Array.isArray(issues) && issues.length > 0 ? issues.map((i) => String(i.message)).join("; ") : "invalid value";
  if (typeof raw === "string" && raw !== "") message = message.split(raw).join("[redacted]");
  return message;
}

/**
 * Parses one value now, with an explicit source; public only with `{ public: true }` (the
 * `PUBLIC_` prefix is ignored for these leaves). Throws without naming a key, which the leaf does not know.
 * @example SECRET_KEY: envVariable(process.env.SECRET, z.string().min(32))
 */
export function envVariable<S extends SafeParseSchema, const P extends boolean = false>(
  source: unknown,
  schema: S,
  config?: { public?: P },
): EnvVariable<SchemaOutput<S>, P> {
  if (!isSchema(schema)) throw new TypeError("envVariable: schema must be a Zod schema (with safeParse)");
  const result = schema.safeParse(source);
  if (!result.success) throw new Error(`Environment variable validation error: ${describe(result.error, source)}`);
  return Object.freeze({ [ENV_VARIABLE]: true as const, value: result.data as SchemaOutput<S>, public: (config?.public === true) as P });
}

function walk(schema: EnvSchema, path: string[], read: (key: string) => unknown): { values: Record<string, unknown>; pub: Record<string, unknown> } {
  const values: Record<string, unknown> = {};
  const pub: Record<string, unknown> = {};
  for (const key of Object.keys(schema)) {
    const leaf = schema[key];
    const joined = [...path, key].join("_");
    if (isEnvVariable(leaf)) {
      values[key] = leaf.value;
      if (leaf.public === true) pub[key] = leaf.value;
    } else if (isSchema(leaf)) {
      const raw = read(joined);
      const result = leaf.safeParse(raw);
      if (!result.success) throw new Error(`Environment variable validation error for ${joined}: ${describe(result.error, raw)}`);
      values[key] = result.data;
      if (joined.startsWith("PUBLIC_")) pub[key] = result.data;
    } else if (isPlainObject(leaf)) {
      const nested = walk(leaf as EnvSchema, [...path, key], read);
      // Only the containers built here are frozen; parsed values (transform outputs) are left as they are.
      values[key] = Object.freeze(nested.values);
      if (Object.keys(nested.pub).length > 0) pub[key] = Object.freeze(nested.pub);
    } else {
      throw new TypeError(`createEnv: ${joined} must be a Zod schema, an envVariable() or a nested object`);
    }
  }
  return { values, pub };
}

/**
 * Validates every variable the schema names, in key order, and returns the typed values; the
 * first invalid one throws `Environment variable validation error for <KEY>: <message>`.
 * Nested keys read underscore-joined names (`DB: { URL }` reads `DB_URL`).
 * @example
 * const env = createEnv({ PUBLIC_API_URL: z.string().url(), PORT: z.coerce.number().default(3000) });
 * app.route("/api/env", usePublicEnv(env));
 */
export function createEnv<S extends EnvSchema>(schema: S, options: CreateEnvOptions = {}): Env<S> {
  if (!isPlainObject(schema)) throw new TypeError("createEnv: schema must be an object");
  if (Object.hasOwn(schema, RESERVED)) throw new TypeError(`createEnv: the key ${RESERVED} is reserved`);
  const source = options.source;
  const read = source ? (key: string) => source[key] : (key: string) => readEnv(key);
  const { values, pub } = walk(schema, [], read);
  const publicEnv = Object.freeze(pub);
  // Not enumerable: spreading or serialising the env does not carry the method.
  Object.defineProperty(values, RESERVED, { value: () => publicEnv, enumerable: false });
  return Object.freeze(values) as Env<S>;
}
