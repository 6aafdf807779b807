/**
 * RSQL syntax tree and operator vocabulary (10-resources §5.1, §5.3). Shared by the parser,
 * the SQL compiler and the in-memory compiler so all three agree on the canonical operator names.
 * @module
 */

/** A quoted ISO-8601 literal: the text as written (bound as-is to text columns) plus its instant. */
export interface RsqlDate {
  readonly type: "date";
  /** The literal exactly as written between the quotes. */
  readonly text: string;
  /** The instant; a literal without an offset is read as UTC so results never depend on the host zone. */
  readonly date: Date;
}

/** A single value: string, number, boolean, null or date. */
export type RsqlScalar = string | number | boolean | null | RsqlDate;

/** `[a,b]`: the bounds of `=between=` / `=nbetween=`. */
export interface RsqlRange {
  readonly type: "range";
  readonly bounds: readonly [RsqlScalar, RsqlScalar];
}

/** Any right-hand side: a scalar, a set `(a,b,…)` (an array) or a range `[a,b]`. */
export type RsqlValue = RsqlScalar | readonly RsqlScalar[] | RsqlRange;

/** One `field operator value` term. */
export interface RsqlComparison {
  readonly type: "cmp";
  /** The field as written; dotted for relation paths (`org.members.userId`). */
  readonly field: string;
  /** `field` split at the dots. */
  readonly path: readonly string[];
  /** Canonical operator (`==`, `!=`, `=gt=`, `=like=` for `%=`, …) or a custom `=name=`. */
  readonly op: string;
  readonly value: RsqlValue;
  /** 0-based offset of the field in the source text, for error reporting. */
  readonly position: number;
}

/** A parsed RSQL expression. AND/OR groups are flattened, so a group never holds a group of its own type. */
export type RsqlNode = { readonly type: "and" | "or"; readonly children: readonly RsqlNode[] } | RsqlComparison;

/** Parser limits for user filters (10-resources §5.1). */
export interface RsqlLimits {
  /** Maximum source length in characters; default 4096. */
  maxLength?: number;
  /** Maximum parenthesis nesting; default 10. */
  maxDepth?: number;
  /** Maximum number of comparisons; default 100. */
  maxNodes?: number;
}

/** Every built-in operator in canonical form. */
export const BUILTIN_OPERATORS: ReadonlySet<string> = new Set([
  "==", "!=", "=gt=", "=ge=", "=lt=", "=le=", "=in=", "=out=",
  "=like=", "=nlike=", "=ilike=", "=nilike=",
  "=contains=", "=icontains=", "=startswith=", "=istartswith=", "=endswith=", "=iendswith=",
  "=ieq=", "=ine=", "=isnull=", "=isempty=", "=between=", "=nbetween=",
  "=regex=", "=iregex=", "=length=", "=minlength=", "=maxlength=",
]);

/** Spellings that map onto a canonical operator (symbols and common synonyms). */
const ALIASES: Readonly<Record<string, string>> = {
  ">": "=gt=", ">=": "=ge=", "<": "=lt=", "<=": "=le=", "%=": "=like=", "!%=": "=nlike=",
  "=eq=": "==", "=ne=": "!=", "=neq=": "!=", "=gte=": "=ge=", "=lte=": "=le=",
  "=nin=": "=out=", "=notin=": "=out=", "=notlike=": "=nlike=",
};

/**
 * Canonical form of an operator spelling: symbols and synonyms map to their named form,
 * built-in names match case-insensitively, anything else (custom operators) is kept as written.
 */
export function canonicalOperator(op: string): string {
  const alias = ALIASES[op];
  if (alias !== undefined) return alias;
  const lower = op.toLowerCase();
  const lowerAlias = ALIASES[lower];
  if (lowerAlias !== undefined) return lowerAlias;
  return BUILTIN_OPERATORS.has(lower) ? lower : op;
}

/** True for a `{ type: "date" }` literal. */
export function isRsqlDate(value: unknown): value is RsqlDate {
  return typeof value === "object" && value !== null && (value as { type?: unknown }).type === "date";
}

/** True for a `[a,b]` range literal. */
export function isRsqlRange(value: unknown): value is RsqlRange {
  return typeof value === "object" && value !== null && (value as { type?: unknown }).type === "range";
}
