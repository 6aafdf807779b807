/**
 * D1 binds at most 100 parameters per statement. A user filter with more values would fail
 * inside D1 as a 500 that echoes the SQL, so it is refused up front as a 400.
 * @module
 */
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import type { SQL } from "drizzle-orm";
import { FilterParseError } from "../errors/problem.js";

/** Parameters a user filter may bind, leaving room for the scope, cursor and limit. */
export const D1_FILTER_PARAMETER_BUDGET = 80;

const dialect = new SQLiteSyncDialect();

/** Returns the compiled filter, or throws a 400 when it binds more than the budget. */
export function d1ParameterGuard(compiled: SQL): SQL {
  const { params } = dialect.sqlToQuery(compiled);
  if (params.length > D1_FILTER_PARAMETER_BUDGET) {
    throw new FilterParseError(`the filter binds ${params.length} values; this database accepts at most ${D1_FILTER_PARAMETER_BUDGET}`, {
      suggestion: "Split the filter into several requests",
    });
  }
  return compiled;
}
