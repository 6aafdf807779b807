/**
 * Compiles a `CompiledScope` (developer-authored, so relation paths are allowed) with the deny and
 * allow sentinels handled in one place: empty → constant false, `*` → no condition (40-auth §9.4).
 * @module
 */
import { sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { RsqlLimits } from "./ast.js";
import { parseRsql } from "./parser.js";
import { toPredicate } from "./to-predicate.js";
import type { RsqlPredicate, RsqlPredicateOptions } from "./to-predicate.js";
import { toSql } from "./to-sql.js";
import type { RsqlCompileOptions } from "./to-sql.js";
import type { CompiledScope } from "./template.js";

// Scopes are trusted code, not user input: the user-filter limits would only get in the way.
const SCOPE_LIMITS: RsqlLimits = { maxLength: 1_000_000, maxDepth: 64, maxNodes: 10_000 };

/**
 * SQL for a scope: `1 = 0` when empty (deny), `undefined` for `*` (no restriction).
 * Relation paths are allowed unless `rejectRelationPaths` is set.
 * @example db.select().from(t).where(and(scopeToSql(scope, opts), userWhere))
 */
export function scopeToSql(scope: CompiledScope, options: RsqlCompileOptions): SQL | undefined {
  if (scope.isEmpty()) return sql`1 = 0`;
  if (scope.isAll()) return undefined;
  const node = parseRsql(scope.toString(), SCOPE_LIMITS);
  return node === null ? undefined : toSql(node, { rejectRelationPaths: false, ...options });
}

/** In-memory predicate for a scope: constant false when empty, constant true for `*`. */
export function scopeToPredicate(scope: CompiledScope, options?: RsqlPredicateOptions): RsqlPredicate {
  if (scope.isEmpty()) return () => false;
  if (scope.isAll()) return () => true;
  return toPredicate(parseRsql(scope.toString(), SCOPE_LIMITS), options);
}
