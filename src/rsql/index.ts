/**
 * RSQL, Covara's filter language (10-resources §5): parser, SQL and in-memory compilers with one
 * shared semantics, the `rsql` template with scope builders, and a bounded compile cache.
 * @module
 */
export type {
  RsqlComparison,
  RsqlDate,
  RsqlLimits,
  RsqlNode,
  RsqlRange,
  RsqlScalar,
  RsqlValue,
} from "./ast.js";
export { BUILTIN_OPERATORS, canonicalOperator } from "./ast.js";
export { parseRsql } from "./parser.js";
export type { CustomOperator, CustomOperators } from "./resolve.js";
export { toSql } from "./to-sql.js";
export type { RsqlCompileOptions } from "./to-sql.js";
export { toPredicate } from "./to-predicate.js";
export type { RsqlPredicate, RsqlPredicateOptions } from "./to-predicate.js";
export {
  allScope,
  and,
  combineScopes,
  emptyScope,
  eq,
  formatValue,
  gt,
  gte,
  inList,
  isCompiledScope,
  isNotNull,
  isNull,
  like,
  lt,
  lte,
  ne,
  notIn,
  notLike,
  or,
  rsql,
  scopeFromString,
} from "./template.js";
export type { CompiledScope } from "./template.js";
export { ownerOrPublic, ownerScope, publicScope, scopePatterns } from "./patterns.js";
export type { ScopeFunction, ScopePreset, ScopeUser } from "./patterns.js";
export { scopeToPredicate, scopeToSql } from "./scope-compile.js";
export { createRsqlCache } from "./cache.js";
export type { RsqlCache } from "./cache.js";
