/**
 * Batch request bodies and limits: `{ items: [...] }` with per-item validation whose errors name
 * the item (`items[3].name`), the per-route limits of `config.batch`, and the permission check
 * the creating routes share.
 * @module
 */
import { count, type SQL } from "drizzle-orm";
import type { Context } from "hono";
import { BatchLimitError, ForbiddenError, ValidationError, type FieldError } from "../../errors/problem.js";
import { readJsonBody, validateBody, type BodyRules } from "../input.js";
import type { ResourceRuntime } from "../runtime.js";
import { resolveScope } from "../scope.js";
import type { ScopeOperation } from "../config.js";

type Row = Record<string, unknown>;

/** The batch routes that have a limit. */
export type BatchOperation = "create" | "update" | "delete";

/** The largest item count of a batch route (`config.batch`, default 100); `0` means the route is absent. */
export function batchLimit(rt: ResourceRuntime, operation: BatchOperation): number {
  return rt.config.batch?.[operation] ?? 100;
}

/** 400 `batch-limit-exceeded` when `requested` is above `limit`. */
export function checkBatchLimit(operation: string, limit: number, requested: number): void {
  if (requested > limit) throw new BatchLimitError(operation, limit, requested);
}

/**
 * The rows `condition` matches, in id order, for a PATCH or DELETE batch; 400
 * `batch-limit-exceeded` with the exact number matched when there are more than `limit`.
 */
export async function matchBatchRows(rt: ResourceRuntime, db: any, condition: SQL | undefined, operation: string, limit: number): Promise<Row[]> {
  const { table, idColumn } = rt.model;
  // One row past the limit is enough to know the batch is too large; the count is then exact.
  const rows: Row[] = await db.select().from(table).where(condition).orderBy(idColumn).limit(limit + 1);
  if (rows.length > limit) {
    const [total] = await db.select({ n: count() }).from(table).where(condition);
    checkBatchLimit(operation, limit, Number(total?.n ?? rows.length));
  }
  return rows;
}

/** 403 unless the caller may perform `op` at all (an empty scope); 401 for anonymous callers that need a user. */
export async function requirePermission(c: Context, rt: ResourceRuntime, op: ScopeOperation): Promise<void> {
  const scope = await resolveScope(c, rt.config.auth, op, rt.model.name);
  if (scope.kind === "none") throw new ForbiddenError(`Not authorized to ${op} on ${rt.model.name}`);
}

/** Reads `{ items: [...] }` and enforces the limit before any item is looked at. */
export async function readItems(c: Context, rt: ResourceRuntime, operation: string, limit: number): Promise<unknown[]> {
  const body = await readJsonBody(c, rt.bodyLimit);
  const items = typeof body === "object" && body !== null ? (body as Row).items : undefined;
  if (!Array.isArray(items)) {
    throw new ValidationError("Request body must be an object with an `items` array", [{ field: "items", message: "Expected an array" }]);
  }
  checkBatchLimit(operation, limit, items.length);
  return items;
}

/**
 * Validates a body with `rules`, renaming every failing field to `<prefix>.<field>` (an empty
 * prefix keeps the names). Used for batch items (`items[3]`) and nested rows (`comments[1]`).
 */
export function validateNamed(body: unknown, rules: BodyRules, prefix: string, errors: FieldError[], invalid: string[]): Row | undefined {
  try {
    return validateBody(body, rules, "create");
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const name = (field: string | undefined) => (!field ? prefix : prefix ? `${prefix}.${field}` : field);
    for (const e of (error.extras.errors as FieldError[] | undefined) ?? []) errors.push({ ...e, field: name(e.field) });
    for (const key of (error.extras.invalidFields as string[] | undefined) ?? []) invalid.push(name(key));
    return undefined;
  }
}

/** Throws one `validation-error` listing every collected field error (nothing has been written yet). */
export function throwIfInvalid(errors: FieldError[], invalid: string[]): void {
  if (errors.length === 0) return;
  throw new ValidationError("Request validation failed", errors, invalid.length > 0 ? { invalidFields: invalid } : {});
}

/** Validates every item as a create payload; one invalid item fails the whole batch. */
export function validateItems(items: unknown[], rules: BodyRules): Row[] {
  const errors: FieldError[] = [];
  const invalid: string[] = [];
  const values = items.map((item, i) => validateNamed(item, rules, `items[${i}]`, errors, invalid));
  throwIfInvalid(errors, invalid);
  return values as Row[];
}

/** Keeps the keys that are columns of the table (hooks may return anything). */
export function columnValues(rt: ResourceRuntime, data: Row): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(data)) if (Object.hasOwn(rt.model.columns, key) && value !== undefined) out[key] = value;
  return out;
}
