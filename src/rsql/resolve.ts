/**
 * Turns one comparison into a backend-neutral plan: operator checked against allowlists and the
 * column kind, values coerced, null rules applied (10-resources §5.2–5.3). The SQL and the
 * in-memory compilers both start from this plan, so validation and coercion cannot drift apart.
 * @module
 */
import type { Column, SQL } from "drizzle-orm";
import { FilterParseError } from "../errors/problem.js";
import { BUILTIN_OPERATORS, canonicalOperator, isRsqlDate, isRsqlRange } from "./ast.js";
import type { RsqlComparison, RsqlScalar, RsqlValue } from "./ast.js";
import { ANY_PROFILE, profileColumn } from "./columns.js";
import type { ColumnProfile } from "./columns.js";
import { mapLiterals, parseLikePattern } from "./like.js";
import type { LikePart } from "./like.js";
import { prepareRegex } from "./regex.js";
import { asciiLower } from "./text.js";
import { coerce, describe, textOf } from "./values.js";

/** A developer-defined operator (10-resources §5.6); parity between the two halves is the author's job. */
export interface CustomOperator {
  /** SQL for `lhs <op> rhs`; `lhs` is the column, `rhs` the plain value (Date, array, …). */
  convert(lhs: SQL | Column, rhs: unknown): SQL;
  /** In-memory test of a row value against the same `rhs`. */
  execute(lhs: unknown, rhs: unknown): boolean;
}

/** Custom operators by their `=name=` spelling. */
export type CustomOperators = Record<string, CustomOperator>;

/** The backend-neutral form of one comparison. */
export type Plan =
  | { t: "const"; value: boolean }
  | { t: "null"; isNull: boolean }
  | { t: "empty"; isEmpty: boolean }
  | { t: "eq"; negate: boolean; value: unknown }
  | { t: "cmp"; op: ">" | ">=" | "<" | "<="; value: unknown }
  | { t: "in"; negate: boolean; values: unknown[] }
  | { t: "between"; negate: boolean; low: unknown; high: unknown }
  | { t: "like"; negate: boolean; fold: boolean; parts: LikePart[] }
  | { t: "literal"; mode: "contains" | "startswith" | "endswith"; fold: boolean; text: string }
  | { t: "ieq"; negate: boolean; text: string }
  | { t: "regex"; fold: boolean; source: string; regex: RegExp }
  | { t: "length"; op: "=" | ">=" | "<="; n: number }
  | { t: "custom"; operator: CustomOperator; rhs: unknown };

/** What `resolveComparison` needs to know about the resource. */
export interface ResolveContext {
  /** The profile for a field, or `undefined` for an unknown column. */
  profile(field: string): ColumnProfile | undefined;
  /** Property keys, for "did you mean" suggestions. */
  fieldNames: readonly string[];
  customOperators: CustomOperators | undefined;
  rejectRelationPaths: boolean;
  allowedFields: ReadonlySet<string> | undefined;
  allowedOperators: ReadonlySet<string> | undefined;
}

const ORDER: Record<string, ">" | ">=" | "<" | "<="> = { "=gt=": ">", "=ge=": ">=", "=lt=": "<", "=le=": "<=" };
const LENGTH: Record<string, "=" | ">=" | "<="> = { "=length=": "=", "=minlength=": ">=", "=maxlength=": "<=" };
const TEXT_ONLY = /^=(n?i?like|i?contains|i?startswith|i?endswith|ieq|ine|i?regex|(min|max)?length)=$/;

/** Canonicalises an allowlist of operator spellings. */
export function operatorSet(operators: readonly string[] | undefined): ReadonlySet<string> | undefined {
  return operators === undefined ? undefined : new Set(operators.map(canonicalOperator));
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** "Did you mean …" for a misspelt field, when one name is close enough. */
function suggest(field: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(field.length / 3)) + 1;
  for (const name of names) {
    const d = distance(field.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best === undefined ? undefined : `Did you mean '${best}'?`;
}

/** Converts a value to the plain JavaScript form custom operators receive. */
function plain(value: RsqlValue): unknown {
  if (isRsqlDate(value)) return value.date;
  if (isRsqlRange(value)) return value.bounds.map(plain);
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

/** Validates one comparison and resolves it into a `Plan`. Throws `FilterParseError`. */
export function resolveComparison(node: RsqlComparison, ctx: ResolveContext): { profile: ColumnProfile; plan: Plan } {
  const { field, op, value, position } = node;
  const fail = (message: string, extras: Record<string, unknown> = {}): never => {
    throw new FilterParseError(message, { position, field, ...extras });
  };
  if (node.path.length > 1 && ctx.rejectRelationPaths) fail("Relation paths are not allowed in filter queries");
  if (ctx.allowedFields !== undefined && !ctx.allowedFields.has(field)) {
    fail(`Filtering on ${field} is not allowed`, { allowedFields: [...ctx.allowedFields] });
  }
  const profile = ctx.profile(field);
  if (profile === undefined) {
    const suggestion = suggest(field, ctx.fieldNames);
    fail(`Unknown column: ${field}`, suggestion === undefined ? {} : { suggestion });
  }
  const known = profile!;
  if (ctx.allowedOperators !== undefined && !ctx.allowedOperators.has(op)) {
    fail(`Operator ${op} is not allowed`, { allowedOperators: [...ctx.allowedOperators] });
  }
  const custom = ctx.customOperators;
  if (custom !== undefined && Object.hasOwn(custom, op)) {
    return { profile: known, plan: { t: "custom", operator: custom[op]!, rhs: plain(value) } };
  }
  if (!BUILTIN_OPERATORS.has(op)) fail(`Unknown operator: ${op}`);
  const textual = known.kind === "string" || known.kind === "any";
  if (TEXT_ONLY.test(op) && !textual) fail(`Operator ${op} needs a text column; ${field} is not one`);
  if (known.kind === "other" && (op in ORDER || op === "=between=" || op === "=nbetween=")) {
    fail(`Operator ${op} is not supported on ${field}`);
  }

  const scalar = (): RsqlScalar => {
    if (Array.isArray(value) || isRsqlRange(value)) return fail(`Operator ${op} expects a single value`);
    return value as RsqlScalar;
  };
  const nonNull = (): Exclude<RsqlScalar, null> => {
    const v = scalar();
    return v === null ? fail(`Operator ${op} does not accept null`) : v;
  };
  const coerced = (v: Exclude<RsqlScalar, null>): unknown => coerce(known, v, field, position);
  const text = (): string => textOf(nonNull());
  const truthy = (): boolean => {
    const v = scalar();
    return v === true || (typeof v === "string" && v.toLowerCase() === "true");
  };
  const plan = (p: Plan): { profile: ColumnProfile; plan: Plan } => ({ profile: known, plan: p });

  switch (op) {
    case "==":
    case "!=": {
      const v = scalar();
      if (v === null) return plan({ t: "null", isNull: op === "==" });
      return plan({ t: "eq", negate: op === "!=", value: coerced(v) });
    }
    case "=in=":
    case "=out=": {
      const items = isRsqlRange(value) ? fail(`Operator ${op} expects a set: (a,b,…)`) : Array.isArray(value) ? value : [value];
      // SQL `x NOT IN (…, NULL)` is never true, so a null in =out= would silently match nothing.
      if (op === "=out=" && items.includes(null)) fail("A set for =out= cannot contain null");
      const values = items.filter((v): v is Exclude<RsqlScalar, null> => v !== null).map(coerced);
      if (values.length === 0) return plan(op === "=in=" ? { t: "const", value: false } : { t: "null", isNull: false });
      return plan({ t: "in", negate: op === "=out=", values });
    }
    case "=between=":
    case "=nbetween=": {
      const bounds = isRsqlRange(value) ? value.bounds : Array.isArray(value) ? value : [];
      if (bounds.length !== 2) fail(`Operator ${op} needs exactly two values: [a,b] or (a,b)`);
      const [low, high] = bounds as [RsqlScalar, RsqlScalar];
      if (low === null || high === null) fail(`Operator ${op} does not accept null bounds`);
      return plan({ t: "between", negate: op === "=nbetween=", low: coerced(low!), high: coerced(high!) });
    }
    case "=isnull=":
      return plan({ t: "null", isNull: truthy() });
    case "=isempty=":
      return plan(textual ? { t: "empty", isEmpty: truthy() } : { t: "null", isNull: truthy() });
    case "=like=":
    case "=nlike=":
    case "=ilike=":
    case "=nilike=": {
      const fold = op === "=ilike=" || op === "=nilike=";
      const parts = parseLikePattern(text());
      return plan({ t: "like", negate: op === "=nlike=" || op === "=nilike=", fold, parts: fold ? mapLiterals(parts, asciiLower) : parts });
    }
    case "=contains=":
    case "=icontains=":
    case "=startswith=":
    case "=istartswith=":
    case "=endswith=":
    case "=iendswith=": {
      const fold = op[1] === "i";
      const mode = op.slice(fold ? 2 : 1, -1) as "contains" | "startswith" | "endswith";
      return plan({ t: "literal", mode, fold, text: fold ? asciiLower(text()) : text() });
    }
    case "=ieq=":
    case "=ine=":
      return plan({ t: "ieq", negate: op === "=ine=", text: asciiLower(text()) });
    case "=regex=":
    case "=iregex=": {
      const prepared = prepareRegex(text(), op === "=iregex=", { field, position });
      return plan({ t: "regex", fold: op === "=iregex=", ...prepared });
    }
    case "=length=":
    case "=minlength=":
    case "=maxlength=": {
      const v = nonNull();
      const n = typeof v === "number" ? v : typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
      if (!Number.isInteger(n) || n < 0 || n > 2147483647) fail(`Operator ${op} needs a non-negative integer, not ${describe(v)}`);
      return plan({ t: "length", op: LENGTH[op]!, n });
    }
    default: {
      const order = ORDER[op]!;
      return plan({ t: "cmp", op: order, value: coerced(nonNull()) });
    }
  }
}

/** Builds a `ResolveContext`: with `columns`, unknown fields are errors; without, every field is `any`. */
export function resolveContext(options: {
  columns?: Record<string, Column> | undefined;
  customOperators?: CustomOperators | undefined;
  rejectRelationPaths?: boolean | undefined;
  allowedFields?: readonly string[] | undefined;
  allowedOperators?: readonly string[] | undefined;
}): ResolveContext {
  const columns = options.columns;
  return {
    profile:
      columns === undefined
        ? () => ANY_PROFILE
        : (field) => (Object.hasOwn(columns, field) ? cachedProfile(columns[field]!) : undefined),
    fieldNames: columns === undefined ? [] : Object.keys(columns),
    customOperators: options.customOperators,
    rejectRelationPaths: options.rejectRelationPaths ?? true,
    allowedFields: options.allowedFields === undefined ? undefined : new Set(options.allowedFields),
    allowedOperators: operatorSet(options.allowedOperators),
  };
}

// Profiles depend only on the (immutable) column object; a WeakMap memo never outlives the schema.
const profiles = new WeakMap<Column, ColumnProfile>();

function cachedProfile(column: Column): ColumnProfile {
  let profile = profiles.get(column);
  if (profile === undefined) {
    profile = profileColumn(column);
    profiles.set(column, profile);
  }
  return profile;
}
