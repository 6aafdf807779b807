/**
 * RSQL → Drizzle `SQL` for SQLite (incl. D1) and Postgres (10-resources §5.3, 30-deploy §7.2).
 * Every value is a bound parameter, encoded by its column's driver mapping; the dialect branches
 * exist only where the two databases would otherwise disagree with each other or with memory.
 * @module
 */
import { Param, sql } from "drizzle-orm";
import type { Column, SQL } from "drizzle-orm";
import { FilterParseError } from "../errors/problem.js";
import type { RsqlComparison, RsqlNode } from "./ast.js";
import type { ColumnProfile } from "./columns.js";
import { literalPattern, toGlob, toPgLike } from "./like.js";
import type { LikePart } from "./like.js";
import { resolveComparison, resolveContext } from "./resolve.js";
import type { CustomOperators, Plan } from "./resolve.js";
import { codePointLength, utf8Length } from "./text.js";
import { isUuid } from "./values.js";

/** Options of `toSql`. */
export interface RsqlCompileOptions {
  dialect: "sqlite" | "postgres";
  /** Property key → Drizzle column (`getTableColumns(table)`). Unknown fields → `Unknown column: x`. */
  columns: Record<string, Column>;
  customOperators?: CustomOperators;
  /** Reject dotted relation paths (user filters). Default `true`. */
  rejectRelationPaths?: boolean;
  /** Compiles a relation-path comparison (scopes); without it a relation path is a `FilterParseError`. */
  relationPath?: (node: RsqlComparison) => SQL;
  /** Allowlist of filterable fields. */
  allowedFields?: readonly string[];
  /** Allowlist of operators, in any spelling (`>` and `=gt=` are the same operator). */
  allowedOperators?: readonly string[];
  /** Largest LIKE/GLOB pattern in UTF-8 bytes (D1: 50); longer patterns are rejected up front. */
  maxPatternBytes?: number;
}

const TRUE = sql`1 = 1`;
const FALSE = sql`1 = 0`;

interface Target {
  readonly column: Column;
  readonly profile: ColumnProfile;
  readonly pg: boolean;
  readonly field: string;
  readonly position: number;
  readonly maxPatternBytes: number | undefined;
}

/** The column as text: Postgres enum/uuid/… columns are cast so text operators apply. */
function textExpr(t: Target): SQL | Column {
  return t.pg && t.profile.pgCastText ? sql`CAST(${t.column} AS text)` : t.column;
}

/**
 * ASCII-folded text for the case-insensitive operators. SQLite's (and D1's) `lower` folds ASCII
 * only; Postgres `LOWER` folds all of Unicode, so there the folding is spelled out with translate.
 */
function foldedExpr(t: Target): SQL {
  if (!t.pg) return sql`lower(${t.column})`;
  return sql`translate(${textExpr(t)}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')`;
}

/** Left-hand side and parameter for a value comparison, with the Postgres type fixes applied. */
function operands(t: Target, values: readonly unknown[], ordered: boolean): { lhs: SQL | Column; params: (SQL | Param)[] } {
  const { column, profile, pg } = t;
  if (!pg) return { lhs: column, params: values.map((v) => new Param(v, column)) };
  if (profile.kind === "number") {
    const max = profile.pgIntMax ?? (profile.pgFloat4 ? 3.4e38 : Infinity);
    // A Postgres parameter takes the column's type: 2.5 or 3e9 against int4 would be a 500.
    const fits = (v: number): boolean => Math.abs(v) <= max && (profile.pgIntMax === undefined || Number.isInteger(v));
    const params = values.map((v) => (fits(v as number) ? new Param(v, column) : sql`CAST(${v} AS double precision)`));
    return { lhs: column, params };
  }
  if (profile.kind === "string") {
    const native = profile.pgUuid && !ordered && values.every((v) => isUuid(v as string));
    if (native) return { lhs: column, params: values.map((v) => new Param(v, column)) };
    const lhs = textExpr(t);
    // COLLATE "C" orders by code point, as SQLite BINARY and the in-memory evaluator do.
    return { lhs: ordered ? sql`${lhs} COLLATE "C"` : lhs, params: values.map((v) => sql`${v}`) };
  }
  return { lhs: column, params: values.map((v) => new Param(v, column)) };
}

function pattern(t: Target, text: string): string {
  if (t.maxPatternBytes !== undefined && utf8Length(text) > t.maxPatternBytes) {
    throw new FilterParseError(`Pattern for ${t.field} is longer than ${t.maxPatternBytes} bytes`, {
      position: t.position,
      field: t.field,
    });
  }
  return text;
}

function like(t: Target, parts: readonly LikePart[], fold: boolean, negate: boolean): SQL {
  const not = negate ? sql.raw("NOT ") : sql.raw("");
  if (t.pg) {
    const lhs = fold ? foldedExpr(t) : textExpr(t);
    return sql`${lhs} ${not}LIKE ${pattern(t, toPgLike(parts))} ESCAPE '\\'`;
  }
  // SQLite LIKE ignores ASCII case, GLOB does not: GLOB gives the case-sensitive contract.
  const lhs = fold ? foldedExpr(t) : t.column;
  return sql`${lhs} ${not}GLOB ${pattern(t, toGlob(parts))}`;
}

/** contains/startswith/endswith on SQLite: exact substring functions, no pattern (and no D1 limit). */
function sqliteLiteral(t: Target, mode: "contains" | "startswith" | "endswith", fold: boolean, text: string): SQL {
  const lhs = fold ? foldedExpr(t) : t.column;
  if (text === "") return sql`${t.column} IS NOT NULL`;
  if (mode === "contains") return sql`instr(${lhs}, ${text}) > 0`;
  const length = codePointLength(text);
  if (mode === "startswith") return sql`substr(${lhs}, 1, ${length}) = ${text}`;
  return sql`substr(${lhs}, ${-length}) = ${text}`;
}

function compile(t: Target, plan: Plan): SQL {
  const { column } = t;
  switch (plan.t) {
    case "const":
      return plan.value ? TRUE : FALSE;
    case "null":
      return plan.isNull ? sql`${column} IS NULL` : sql`${column} IS NOT NULL`;
    case "empty": {
      const text = textExpr(t);
      return plan.isEmpty ? sql`(${column} IS NULL OR ${text} = '')` : sql`(${column} IS NOT NULL AND ${text} <> '')`;
    }
    case "eq": {
      const { lhs, params } = operands(t, [plan.value], false);
      return plan.negate ? sql`${lhs} <> ${params[0]}` : sql`${lhs} = ${params[0]}`;
    }
    case "cmp": {
      const { lhs, params } = operands(t, [plan.value], true);
      return sql`${lhs} ${sql.raw(plan.op)} ${params[0]}`;
    }
    case "in": {
      const { lhs, params } = operands(t, plan.values, false);
      const list = sql.join(params, sql`, `);
      return plan.negate ? sql`${lhs} NOT IN (${list})` : sql`${lhs} IN (${list})`;
    }
    case "between": {
      const { lhs, params } = operands(t, [plan.low, plan.high], true);
      const not = plan.negate ? sql.raw("NOT ") : sql.raw("");
      return sql`${lhs} ${not}BETWEEN ${params[0]} AND ${params[1]}`;
    }
    case "like":
      return like(t, plan.parts, plan.fold, plan.negate);
    case "literal":
      if (!t.pg) return sqliteLiteral(t, plan.mode, plan.fold, plan.text);
      return like(t, literalPattern(plan.text, plan.mode), plan.fold, false);
    case "ieq": {
      const op = sql.raw(plan.negate ? "<>" : "=");
      return sql`${foldedExpr(t)} ${op} ${plan.text}`;
    }
    case "regex":
      if (!t.pg) {
        throw new FilterParseError("Regular expressions are not supported on SQLite", { position: t.position, field: t.field });
      }
      // The pattern was already expanded for ASCII case-insensitivity, so `~` serves both operators.
      return sql`${textExpr(t)} ~ ${plan.source}`;
    case "length": {
      const length = t.pg ? sql`char_length(${textExpr(t)})` : sql`length(${column})`;
      return sql`${length} ${sql.raw(plan.op)} ${plan.n}`;
    }
    case "custom":
      return plan.operator.convert(column, plan.rhs);
  }
}

/**
 * Compiles a parsed filter to a Drizzle `SQL` condition with bound parameters; values are never
 * spliced into the SQL text. Throws `FilterParseError` for unknown columns, disallowed fields or
 * operators, values that do not fit the column, and dialect limits.
 * @example db.select().from(todos).where(toSql(parseRsql('done==false')!, { dialect: "sqlite", columns: getTableColumns(todos) }))
 */
export function toSql(node: RsqlNode, options: RsqlCompileOptions): SQL {
  const ctx = resolveContext(options);
  const pg = options.dialect === "postgres";
  const visit = (n: RsqlNode): SQL => {
    if (n.type !== "cmp") {
      const parts = n.children.map(visit);
      return sql`(${sql.join(parts, n.type === "and" ? sql` and ` : sql` or `)})`;
    }
    if (n.path.length > 1 && options.rejectRelationPaths === false) {
      if (options.relationPath !== undefined) return options.relationPath(n);
      throw new FilterParseError(`Relation path ${n.field} cannot be resolved here`, { position: n.position, field: n.field });
    }
    const { profile, plan } = resolveComparison(n, ctx);
    const target: Target = {
      column: profile.column!,
      profile,
      pg,
      field: n.field,
      position: n.position,
      maxPatternBytes: options.maxPatternBytes,
    };
    return compile(target, plan);
  };
  return visit(node);
}
