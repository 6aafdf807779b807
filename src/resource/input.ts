/**
 * Request bodies: size-limited JSON reading and validation of a body against the table's
 * columns, with field-level errors as RFC 7807 `validation-error` problems.
 * @module
 */
import type { Context } from "hono";
import { PayloadTooLargeError, ValidationError, type FieldError } from "../errors/problem.js";
import { fromJson, INVALID } from "./coerce.js";
import { readLimited } from "../util/read-limited.js";
import type { Column } from "drizzle-orm";

/** Default largest accepted body: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * Reads the body as JSON. Empty → `{}`; unparsable → 400 `validation-error`; larger than
 * `limit` bytes → 413, checked on the header and while streaming (chunked bodies lie).
 */
export async function readJsonBody(c: Context, limit = DEFAULT_BODY_LIMIT): Promise<unknown> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > limit) throw new PayloadTooLargeError(limit);
  // With a Content-Length the HTTP layer frames exactly that many bytes; without one, count while reading.
  const text = declared > 0 ? await c.req.text() : await readText(c.req.raw, limit);
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError("Request body is not valid JSON");
  }
}

async function readText(request: Request, limit: number): Promise<string> {
  return request.body ? new TextDecoder().decode(await readLimited(request.body, limit)) : "";
}

/** How a body is checked. */
export interface BodyRules {
  columns: Record<string, Column>;
  /** Keys that must be present (create and replace). */
  required: ReadonlySet<string>;
  /** Keys the caller may set; others are dropped (or rejected with `strict`). */
  writable: ReadonlySet<string>;
  strict: boolean;
}

/** Validates a JSON body and returns the values to write, converted to column types. */
export function validateBody(body: unknown, rules: BodyRules, mode: "create" | "update" | "replace"): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ValidationError("Request body must be a JSON object", [{ field: "", message: "Expected an object" }]);
  }
  const errors: FieldError[] = [];
  const values: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, raw] of Object.entries(body as Record<string, unknown>)) {
    const column = Object.hasOwn(rules.columns, key) ? rules.columns[key] : undefined;
    if (!column) {
      unknown.push(key);
      continue;
    }
    if (raw === undefined) continue;
    if (raw === null && column.notNull) {
      errors.push({ field: key, message: "Must not be null" });
      continue;
    }
    const value = fromJson(column, raw);
    if (value === INVALID) {
      errors.push({ field: key, message: `Expected ${describe(column)}` });
      continue;
    }
    if (rules.writable.has(key)) values[key] = value;
  }
  if (mode !== "update") {
    for (const key of rules.required) {
      const given = (body as Record<string, unknown>)[key];
      if (given === undefined) errors.push({ field: key, message: "Required" });
    }
  }
  if (rules.strict && unknown.length > 0) {
    for (const key of unknown) errors.push({ field: key, message: "Unknown field" });
  }
  if (errors.length > 0) {
    throw new ValidationError("Request validation failed", errors, rules.strict && unknown.length ? { invalidFields: unknown } : {});
  }
  return values;
}

function describe(column: Column): string {
  const enumValues = (column as Column & { enumValues?: readonly string[] }).enumValues;
  if (column.dataType === "string" && enumValues?.length) return `one of ${enumValues.join(", ")}`;
  if (column.columnType === "PgUUID") return "a UUID string";
  if (/Numeric|Decimal/.test(column.columnType)) return "a number or a numeric string";
  switch (column.dataType) {
    case "number":
      return column.columnType.match(/Integer|Serial|Int/) ? "an integer" : "a number";
    case "date":
      return "an ISO-8601 date string or epoch milliseconds";
    case "bigint":
      return "an integer or a string of digits";
    case "array":
      return "an array";
    default:
      return `a ${column.dataType}`;
  }
}
