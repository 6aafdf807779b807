/**
 * `having` (spec 10 §7.2): a `;`-separated conjunction of `alias op value` terms compiled to a SQL
 * HAVING clause. Aliases resolve to the aggregate expressions (or grouped columns) the query
 * selects; values are always bound as parameters, typed by what they are compared with.
 * @module
 */
import { and, sql, type Column, type SQL } from "drizzle-orm";
import { ValidationError } from "../../errors/problem.js";
import { fromJson, INVALID } from "../coerce.js";
import type { Dialect } from "../model.js";
import { isNumericColumn } from "./params.js";

/** Something a HAVING term may compare: an aggregate or a grouped column. */
export interface HavingTarget {
  expression: SQL | Column;
  /** The column whose type the value takes; none for count/sum/avg, which are plain numbers. */
  column?: Column;
}

/** At most this many terms, so a HAVING clause stays within D1's 100 bound parameters. */
export const MAX_HAVING_TERMS = 10;

const OPERATORS: Record<string, string> = { "==": "=", "!=": "<>", ">=": ">=", "<=": "<=", ">": ">", "<": "<" };
// Longest operators first, so `>=` is never read as `>` followed by a value starting with `=`.
const TERM = /^\s*([A-Za-z_$][\w$]*)\s*(==|!=|>=|<=|>|<)\s*(.*?)\s*$/s;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function malformed(term: string, why: string): ValidationError {
  return new ValidationError(`Invalid having expression: ${why}`, [{ field: "having", message: why }], { parameter: "having", term });
}

/**
 * The value of one term converted to what it is compared with: a number for numeric targets,
 * else the raw text converted to the column's type (a date, `true`/`false` for booleans).
 */
function bindValue(term: string, raw: string, target: HavingTarget, dialect: Dialect): SQL {
  const column = target.column;
  if (!column || isNumericColumn(column)) {
    if (!NUMBER.test(raw) || !Number.isFinite(Number(raw))) throw malformed(term, `'${raw}' is not a number`);
    // Postgres would otherwise type the parameter as the aggregate's type (bigint for count) and reject 2.5.
    return dialect === "postgres" ? sql`cast(${Number(raw)} as numeric)` : sql`${Number(raw)}`;
  }
  let candidate: unknown = raw;
  if (column.dataType === "boolean") candidate = raw === "true" ? true : raw === "false" ? false : raw;
  if (column.dataType === "date" && NUMBER.test(raw)) candidate = Number(raw);
  const value = fromJson(column, candidate);
  if (value === INVALID) throw malformed(term, `'${raw}' does not fit the type of ${column.name}`);
  // Bound through the column, so a Date reaches SQLite as epoch ms and Postgres as ISO text.
  return sql`${sql.param(value, column)}`;
}

/**
 * Compiles a `having` parameter; `targets` maps each alias the query produces. Throws 400
 * `Unknown having field` for other aliases and `Invalid having expression` for malformed terms.
 */
export function compileHaving(text: string, targets: ReadonlyMap<string, HavingTarget>, dialect: Dialect): SQL {
  const terms = text.split(";");
  if (terms.length > MAX_HAVING_TERMS) throw malformed(text, `at most ${MAX_HAVING_TERMS} terms`);
  const conditions = terms.map((term) => {
    const match = TERM.exec(term);
    if (!match) throw malformed(term, `expected 'alias op value' in '${term}'`);
    const [, alias, op, raw] = match as unknown as [string, string, string, string];
    if (raw === "") throw malformed(term, `missing value in '${term}'`);
    const target = targets.get(alias);
    if (!target) {
      throw new ValidationError(`Unknown having field: ${alias}`, [{ field: "having", message: `'${alias}' is not produced by this query` }], {
        parameter: "having",
        allowedFields: [...targets.keys()],
      });
    }
    return sql`${target.expression} ${sql.raw(OPERATORS[op]!)} ${bindValue(term, raw, target, dialect)}`;
  });
  return and(...conditions)!;
}
