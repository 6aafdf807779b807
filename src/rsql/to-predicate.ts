/**
 * RSQL → a plain `(row) => boolean`, used for subscription matching, create/update scope checks
 * and search post-filtering. All parsing, coercion and dispatch happen once here; the returned
 * closure only reads fields and compares, so evaluating it never walks the syntax tree.
 * @module
 */
import type { Column } from "drizzle-orm";
import { FilterParseError } from "../errors/problem.js";
import type { RsqlNode } from "./ast.js";
import type { ColumnProfile } from "./columns.js";
import { likeMatcher, literalPattern } from "./like.js";
import { looseCompare, looseEquals, stringForm } from "./loose.js";
import { resolveComparison, resolveContext } from "./resolve.js";
import type { CustomOperators, Plan } from "./resolve.js";
import { asciiLower, codePointLength, compareCodePoints } from "./text.js";
import { memoryForm, rowReader } from "./values.js";

/** Options of `toPredicate`. */
export interface RsqlPredicateOptions {
  /** With columns, values are coerced exactly as `toSql` does and unknown fields are errors. */
  columns?: Record<string, Column>;
  customOperators?: CustomOperators;
}

/** A compiled in-memory filter. */
export type RsqlPredicate = (row: Record<string, unknown>) => boolean;

type Test = (value: unknown) => boolean;

interface Semantics {
  /** Row value → comparison form; `undefined` for NULL (or incomparable), which fails every test. */
  read(raw: unknown): unknown;
  eq(a: unknown, v: unknown): boolean;
  cmp(a: unknown, v: unknown): number;
  text(a: unknown): string;
}

const LOOSE: Semantics = {
  read: (raw) => (raw === null ? undefined : raw),
  eq: looseEquals,
  cmp: looseCompare,
  text: stringForm,
};

function semantics(profile: ColumnProfile): Semantics {
  if (profile.kind === "any") return LOOSE;
  const read = rowReader(profile);
  const strict = (a: unknown, v: unknown): boolean => a === v;
  if (profile.kind === "string") return { read, eq: strict, cmp: (a, v) => compareCodePoints(a as string, v as string), text: (a) => a as string };
  if (profile.kind === "boolean") return { read, eq: strict, cmp: (a, v) => Number(a) - Number(v), text: String };
  if (profile.kind === "other") return { read, eq: (a, v) => a === v || stringForm(a) === stringForm(v), cmp: () => NaN, text: stringForm };
  const cmp = (a: unknown, v: unknown): number => ((a as number) < (v as number) ? -1 : (a as number) > (v as number) ? 1 : 0);
  return { read, eq: strict, cmp, text: stringForm };
}

/** The test applied to a row value; `raw` is the value as stored in the row. */
function valueTest(plan: Plan, profile: ColumnProfile): Test {
  const s = semantics(profile);
  const { read, eq, cmp } = s;
  const form = (v: unknown): unknown => memoryForm(profile, v);
  switch (plan.t) {
    case "const":
      return plan.value ? () => true : () => false;
    case "null":
      return plan.isNull ? (raw) => raw === null || raw === undefined : (raw) => raw !== null && raw !== undefined;
    case "empty":
      return plan.isEmpty ? (raw) => raw === null || raw === undefined || raw === "" : (raw) => raw !== null && raw !== undefined && raw !== "";
    case "eq": {
      const v = form(plan.value);
      if (plan.negate) return (raw) => {
        const a = read(raw);
        return a !== undefined && !eq(a, v);
      };
      return (raw) => {
        const a = read(raw);
        return a !== undefined && eq(a, v);
      };
    }
    case "cmp": {
      const v = form(plan.value);
      const accept = { ">": (c: number) => c > 0, ">=": (c: number) => c >= 0, "<": (c: number) => c < 0, "<=": (c: number) => c <= 0 }[plan.op];
      return (raw) => {
        const a = read(raw);
        return a !== undefined && accept(cmp(a, v));
      };
    }
    case "in": {
      const values = plan.values.map(form);
      const negate = plan.negate;
      return (raw) => {
        const a = read(raw);
        if (a === undefined) return false;
        for (const v of values) if (eq(a, v)) return !negate;
        return negate;
      };
    }
    case "between": {
      const low = form(plan.low);
      const high = form(plan.high);
      const negate = plan.negate;
      return (raw) => {
        const a = read(raw);
        if (a === undefined) return false;
        const above = cmp(a, low);
        const below = cmp(a, high);
        // NaN (incomparable) fails both branches, like a SQL comparison with an unknown result.
        return negate ? above < 0 || below > 0 : above >= 0 && below <= 0;
      };
    }
    case "like":
    case "literal":
    case "ieq":
    case "regex":
    case "length":
      return textTest(plan, s);
    case "custom": {
      const { operator, rhs } = plan;
      return (raw) => operator.execute(raw, rhs);
    }
  }
}

function textTest(plan: Extract<Plan, { t: "like" | "literal" | "ieq" | "regex" | "length" }>, s: Semantics): Test {
  // LIKE shapes compare folded text with a folded pattern; an =iregex= pattern is already
  // case-expanded, and folding its subject would break escapes such as \x41.
  const fold = (plan.t === "like" || plan.t === "literal") && plan.fold;
  let test: (value: string) => boolean;
  let negate = false;
  switch (plan.t) {
    case "like":
      test = likeMatcher(plan.parts);
      negate = plan.negate;
      break;
    case "literal":
      test = likeMatcher(literalPattern(plan.text, plan.mode));
      break;
    case "ieq": {
      const target = plan.text;
      test = (v) => asciiLower(v) === target;
      negate = plan.negate;
      break;
    }
    case "regex": {
      const regex = plan.regex;
      test = (v) => regex.test(v);
      break;
    }
    case "length": {
      const { n, op } = plan;
      test = op === "=" ? (v) => codePointLength(v) === n : op === ">=" ? (v) => codePointLength(v) >= n : (v) => codePointLength(v) <= n;
    }
  }
  const { read, text } = s;
  return (raw) => {
    const a = read(raw);
    if (a === undefined) return false;
    const value = text(a);
    return test(fold ? asciiLower(value) : value) !== negate;
  };
}

/** Reads a field without ever reaching `Object.prototype` (a filter on `constructor` must see NULL). */
function accessor(key: string): (row: Record<string, unknown>) => unknown {
  if (!(key in Object.prototype)) return (row) => row[key];
  return (row) => (Object.hasOwn(row, key) ? row[key] : undefined);
}

/**
 * Compiles a filter once into a plain predicate over rows as Drizzle returns them (property keys,
 * `Date` for timestamps). `null` (no filter) matches everything. With `columns`, validation and
 * coercion match `toSql` exactly, which gives the §5 parity rule. Throws `FilterParseError`.
 * @example const match = toPredicate(parseRsql('age>=18'), { columns: getTableColumns(users) }); rows.filter(match)
 */
export function toPredicate(node: RsqlNode | null, options: RsqlPredicateOptions = {}): RsqlPredicate {
  if (node === null) return () => true;
  const ctx = resolveContext({ columns: options.columns, customOperators: options.customOperators });
  const build = (n: RsqlNode): RsqlPredicate => {
    if (n.type === "cmp") {
      if (n.path.length > 1) {
        throw new FilterParseError("Relation paths cannot be evaluated in memory", { position: n.position, field: n.field });
      }
      const { profile, plan } = resolveComparison(n, ctx);
      const test = valueTest(plan, profile);
      const get = accessor(n.field);
      return (row) => test(get(row));
    }
    const fns = n.children.map(build);
    const isAnd = n.type === "and";
    if (fns.length === 2) {
      const [a, b] = fns as [RsqlPredicate, RsqlPredicate];
      return isAnd ? (row) => a(row) && b(row) : (row) => a(row) || b(row);
    }
    return isAnd
      ? (row) => {
          for (const f of fns) if (!f(row)) return false;
          return true;
        }
      : (row) => {
          for (const f of fns) if (f(row)) return true;
          return false;
        };
  };
  return build(node);
}
