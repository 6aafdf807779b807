/**
 * The `rsql` tagged template and scope builders (10-resources §5.4, 40-auth §9.3). Static text is
 * trusted; every interpolated value is escaped into exactly one RSQL literal, so user data can
 * never change the structure of a scope.
 * @module
 */
import { FilterParseError } from "../errors/problem.js";
import { formatNumber } from "./text.js";

const BRAND: unique symbol = Symbol.for("covara.rsql.scope") as never;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** An RSQL scope as text: `*` allows everything, empty denies (at top level). */
export interface CompiledScope {
  /** The RSQL text. */
  toString(): string;
  /** True for the empty scope (deny at top level, "no condition" inside `or`). */
  isEmpty(): boolean;
  /** True for `*` (no restriction). */
  isAll(): boolean;
  /** `and(this, other)`. */
  and(other: CompiledScope): CompiledScope;
  /** `or(this, other)`. */
  or(other: CompiledScope): CompiledScope;
}

class Scope implements CompiledScope {
  readonly [BRAND] = true;
  constructor(private readonly text: string) {}
  toString(): string {
    return this.text;
  }
  isEmpty(): boolean {
    return this.text === "";
  }
  isAll(): boolean {
    return this.text === "*";
  }
  and(other: CompiledScope): CompiledScope {
    return and(this, other);
  }
  or(other: CompiledScope): CompiledScope {
    return or(this, other);
  }
}

/** True for any object built by this module (also across duplicated copies of the package). */
export function isCompiledScope(value: unknown): value is CompiledScope {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Escapes one value into an RSQL literal. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return `"${value.replace(/[\\"']/g, "\\$&")}"`;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new FilterParseError(`Cannot interpolate the number ${value}`);
    return formatNumber(value);
  }
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new FilterParseError("Cannot interpolate an invalid Date");
    return `"${value.toISOString()}"`;
  }
  if (isCompiledScope(value)) return `(${value.toString()})`;
  if (Array.isArray(value)) {
    return `(${value.map((item) => {
      if (Array.isArray(item)) throw new FilterParseError("Cannot interpolate a nested array");
      return formatValue(item);
    }).join(",")})`;
  }
  return formatValue(String(value));
}

/**
 * Builds a scope from trusted RSQL text with escaped values.
 * @example rsql`ownerId==${user.id};status=in=${["open", "done"]}`
 */
export function rsql(strings: TemplateStringsArray, ...values: unknown[]): CompiledScope {
  let text = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) text += formatValue(values[i]) + (strings[i + 1] ?? "");
  return new Scope(text.trim());
}

/** A scope from trusted RSQL text (e.g. a scope function that returned a string). */
export function scopeFromString(text: string): CompiledScope {
  return new Scope(text.trim());
}

/** `*`: no restriction. */
export function allScope(): CompiledScope {
  return new Scope("*");
}

/** The empty scope: deny at top level. */
export function emptyScope(): CompiledScope {
  return new Scope("");
}

function toScope(value: CompiledScope | string): CompiledScope {
  return typeof value === "string" ? scopeFromString(value) : value;
}

/**
 * Conjunction. Fails closed (40-auth §9.3): any empty operand makes the result empty, so a deny
 * can never turn into an allow. `*` is the identity.
 * @example and(rsql`orgId==${org}`, rsql`archived==false`)
 */
export function and(...scopes: (CompiledScope | string)[]): CompiledScope {
  const all = scopes.map(toScope);
  if (all.length === 0 || all.some((s) => s.isEmpty())) return emptyScope();
  const parts = all.filter((s) => !s.isAll());
  if (parts.length === 0) return allScope();
  if (parts.length === 1) return parts[0]!;
  return new Scope(parts.map((s) => `(${s.toString()})`).join(";"));
}

/**
 * Disjunction. Empty operands are dropped (empty only if all are); `*` absorbs everything.
 * @example or(ownerScope(user), publicScope())
 */
export function or(...scopes: (CompiledScope | string)[]): CompiledScope {
  const parts = scopes.map(toScope).filter((s) => !s.isEmpty());
  if (parts.length === 0) return emptyScope();
  if (parts.some((s) => s.isAll())) return allScope();
  if (parts.length === 1) return parts[0]!;
  return new Scope(parts.map((s) => `(${s.toString()})`).join(","));
}

/**
 * Combines a resolved scope with a client filter: empty scope → empty (deny; the filter is
 * discarded), blank (or `*`) filter → the scope, `*` scope → the filter alone, else `(scope);(filter)`.
 * Callers must treat an empty result as deny (`scopeToSql` compiles it to `1 = 0`).
 */
export function combineScopes(scope: CompiledScope, filter?: CompiledScope | string | null): CompiledScope {
  if (scope.isEmpty()) return emptyScope();
  const text = filter === undefined || filter === null ? "" : filter.toString().trim();
  if (text === "" || text === "*") return scope;
  if (scope.isAll()) return scopeFromString(text);
  return new Scope(`(${scope.toString()});(${text})`);
}

function comparison(op: string) {
  return (field: string, value: unknown): CompiledScope => {
    if (!FIELD.test(field)) throw new FilterParseError(`Invalid field name: ${JSON.stringify(field)}`);
    return new Scope(`${field}${op}${formatValue(value)}`);
  };
}

/** `field==value`. */
export const eq = comparison("==");
/** `field!=value`. */
export const ne = comparison("!=");
/** `field=gt=value`. */
export const gt = comparison("=gt=");
/** `field=ge=value`. */
export const gte = comparison("=ge=");
/** `field=lt=value`. */
export const lt = comparison("=lt=");
/** `field=le=value`. */
export const lte = comparison("=le=");
/** `field=in=(values)`. */
export const inList: (field: string, values: readonly unknown[]) => CompiledScope = comparison("=in=");
/** `field=out=(values)`. */
export const notIn: (field: string, values: readonly unknown[]) => CompiledScope = comparison("=out=");
/** `field%="pattern"` (case-sensitive LIKE). */
export const like: (field: string, pattern: string) => CompiledScope = comparison("%=");
/** `field!%="pattern"`. */
export const notLike: (field: string, pattern: string) => CompiledScope = comparison("!%=");

/** `field=isnull=true`. */
export function isNull(field: string): CompiledScope {
  return comparison("=isnull=")(field, true);
}

/** `field=isnull=false`. */
export function isNotNull(field: string): CompiledScope {
  return comparison("=isnull=")(field, false);
}
