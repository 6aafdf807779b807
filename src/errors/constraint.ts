/**
 * Database constraint violations as problems instead of 500s: a duplicate unique value or a
 * dangling foreign key is the caller's conflict, a NOT NULL or CHECK failure is invalid input.
 * Recognised by SQLSTATE (PostgreSQL, PGlite) or by SQLite's own message and code (better-sqlite3,
 * libsql, D1), looking through the `cause` chain Drizzle wraps driver errors in.
 * @module
 */

/** The kind of constraint a write broke. */
export type ConstraintKind = "unique" | "foreign-key" | "not-null" | "check";

/** What the caller may learn about a violation: its kind and the columns named, never values. */
export interface ConstraintViolation {
  kind: ConstraintKind;
  fields: string[];
}

const SQLSTATE: Record<string, ConstraintKind> = { "23505": "unique", "23503": "foreign-key", "23502": "not-null", "23514": "check" };
// Anchored: Drizzle's wrapper message ("Failed query: … params: …") repeats user values and must never match.
const SQLITE_MESSAGE = /^(?:SQLITE_CONSTRAINT: |D1_ERROR: )?(?:SqliteError: )?(UNIQUE|FOREIGN KEY|NOT NULL|CHECK) constraint failed(?::\s*([^:]*))?/;
const SQLITE_KIND: Record<string, ConstraintKind> = { UNIQUE: "unique", "FOREIGN KEY": "foreign-key", "NOT NULL": "not-null", CHECK: "check" };

interface DriverError {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  column?: unknown;
  cause?: unknown;
}

function pgFields(error: DriverError): string[] {
  if (typeof error.column === "string") return [error.column];
  const key = typeof error.detail === "string" ? /^Key \(([^)]*)\)=/.exec(error.detail) : null;
  return key ? key[1]!.split(",").map((name) => name.trim().replace(/^"|"$/g, "")) : [];
}

/** The constraint violation `error` reports, or undefined for any other error. */
export function constraintViolation(error: unknown): ConstraintViolation | undefined {
  let current = error as DriverError | undefined;
  for (let depth = 0; current && typeof current === "object" && depth < 5; depth++, current = current.cause as DriverError | undefined) {
    const kind = typeof current.code === "string" ? SQLSTATE[current.code] : undefined;
    if (kind) return { kind, fields: pgFields(current) };
    const match = SQLITE_MESSAGE.exec(String(current.message ?? ""));
    if (match) {
      // SQLite names columns as `table.column`, comma-separated; only the column is reported.
      const fields = (match[2] ?? "").split(",").map((name) => name.trim().split(".").pop()!).filter(Boolean);
      return { kind: SQLITE_KIND[match[1]!]!, fields };
    }
  }
  return undefined;
}
