/**
 * RSQL filter builders (spec 80 §3): `q` takes any field name, `f<T>()` checks field names and
 * value types against a row type and emits the same strings. Values are always encoded here, so
 * user input can never change the structure of a filter.
 * @module
 */

/** A value that can appear in a filter. */
export type FilterValue = string | number | bigint | boolean | Date | null;

const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function field(name: string): string {
  if (!FIELD.test(name)) throw new TypeError(`Invalid filter field name: ${JSON.stringify(name)}`);
  return name;
}

/** Plain decimal notation: RSQL numbers have no exponent. */
function number(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`Cannot filter on ${n}`);
  const text = String(n);
  if (!/e/i.test(text)) return text;
  if (Number.isInteger(n)) return BigInt(n).toString();
  return n.toFixed(20).replace(/\.?0+$/, "");
}

/**
 * Encodes one value: strings double-quoted with `\` and `"` escaped, numbers and booleans bare,
 * `null` as `null`, a `Date` as a quoted ISO string.
 */
export function encodeValue(value: FilterValue): string {
  if (value === null) return "null";
  if (value instanceof Date) return `"${value.toISOString()}"`;
  switch (typeof value) {
    case "string":
      return `"${value.replace(/[\\"]/g, "\\$&")}"`;
    case "number":
      return number(value);
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
    default:
      throw new TypeError(`Cannot filter on a ${typeof value}`);
  }
}

const compare = (op: string) => (name: string, value: FilterValue) => `${field(name)}${op}${encodeValue(value)}`;
const set = (op: string) => (name: string, values: readonly FilterValue[]) => `${field(name)}${op}(${values.map(encodeValue).join(",")})`;
const text = (op: string) => (name: string, value: string) => `${field(name)}${op}${encodeValue(value)}`;

/** Joins non-empty parts, each wrapped in parentheses; a single part is returned as is. */
function join(separator: string, parts: readonly (string | null | undefined | false)[]): string {
  const kept = parts.filter((p): p is string => typeof p === "string" && p.trim() !== "");
  if (kept.length <= 1) return kept[0] ?? "";
  return kept.map((p) => `(${p})`).join(separator);
}

/**
 * String filter builders.
 * @example
 * todos.list({ filter: q.and(q.eq("done", false), q.ilike("title", "%milk%")) })
 */
export const q = {
  eq: compare("=="),
  neq: compare("!="),
  gt: compare(">"),
  gte: compare(">="),
  lt: compare("<"),
  lte: compare("<="),
  in: set("=in="),
  out: set("=out="),
  /** LIKE pattern, case-sensitive (`%` any run, `_` one character). */
  like: text("%="),
  notLike: text("!%="),
  ilike: text("=ilike="),
  contains: text("=contains="),
  icontains: text("=icontains="),
  startsWith: text("=startswith="),
  endsWith: text("=endswith="),
  isNull: (name: string) => `${field(name)}=isnull=true`,
  isNotNull: (name: string) => `${field(name)}=isnull=false`,
  /** Inclusive range: `(f>=a);(f<=b)`. */
  between: (name: string, low: FilterValue, high: FilterValue) => join(";", [compare(">=")(name, low), compare("<=")(name, high)]),
  /** All conditions; empty ones are dropped. */
  and: (...parts: (string | null | undefined | false)[]) => join(";", parts),
  /** Any condition; empty ones are dropped. */
  or: (...parts: (string | null | undefined | false)[]) => join(",", parts),
  /** An RSQL string, unchanged. */
  raw: (rsql: string) => rsql,
};

type Keys<T, V> = { [K in keyof T]-?: NonNullable<T[K]> extends V ? K : never }[keyof T] & string;
/** A value comparable with the field's type (dates accept `Date` and ISO strings). */
type ValueOf<T, K extends keyof T> = NonNullable<T[K]> extends Date ? Date | string | Extract<T[K], null> : T[K];

/** Typed filter builders for rows of type `T`: the same strings as `q`. */
export interface TypedFilter<T> {
  eq<K extends keyof T & string>(field: K, value: ValueOf<T, K>): string;
  neq<K extends keyof T & string>(field: K, value: ValueOf<T, K>): string;
  gt<K extends Keys<T, string | number | bigint | Date>>(field: K, value: ValueOf<T, K>): string;
  gte<K extends Keys<T, string | number | bigint | Date>>(field: K, value: ValueOf<T, K>): string;
  lt<K extends Keys<T, string | number | bigint | Date>>(field: K, value: ValueOf<T, K>): string;
  lte<K extends Keys<T, string | number | bigint | Date>>(field: K, value: ValueOf<T, K>): string;
  in<K extends keyof T & string>(field: K, values: readonly ValueOf<T, K>[]): string;
  out<K extends keyof T & string>(field: K, values: readonly ValueOf<T, K>[]): string;
  like(field: Keys<T, string>, pattern: string): string;
  notLike(field: Keys<T, string>, pattern: string): string;
  ilike(field: Keys<T, string>, pattern: string): string;
  contains(field: Keys<T, string>, text: string): string;
  icontains(field: Keys<T, string>, text: string): string;
  startsWith(field: Keys<T, string>, text: string): string;
  endsWith(field: Keys<T, string>, text: string): string;
  isNull(field: keyof T & string): string;
  isNotNull(field: keyof T & string): string;
  between<K extends Keys<T, string | number | bigint | Date>>(field: K, low: ValueOf<T, K>, high: ValueOf<T, K>): string;
  and(...parts: (string | null | undefined | false)[]): string;
  or(...parts: (string | null | undefined | false)[]): string;
  raw(rsql: string): string;
}

/**
 * `q`, with compile-time checks that fields belong to `T` and values match their types.
 * @example
 * const t = f<Todo>();
 * t.eq("done", false); // `done==false`
 * t.eq("done", "no");  // compile error
 */
export function f<T>(): TypedFilter<T> {
  return q as unknown as TypedFilter<T>;
}
