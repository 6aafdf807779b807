/**
 * Best-effort detection of raw SQL writes (spec 20 §12): a statement that starts with
 * `INSERT INTO t`, `UPDATE t` or `DELETE FROM t` (SQLite's `OR …` and `REPLACE INTO` forms
 * included, optionally quoted or schema-qualified). Leading comments and CTEs escape it.
 * @module
 */
import type { ChangeType } from "../types.js";

const NAME = String.raw`(?:[\`"\[]?[A-Za-z_][\w$]*[\`"\]]?\.)?[\`"\[]?([A-Za-z_][\w$]*)[\`"\]]?`;
const WRITE = new RegExp(String.raw`^\s*(?:(insert|replace)(?:\s+or\s+\w+)?\s+into|(update)(?:\s+or\s+\w+)?(?:\s+only)?|(delete)\s+from(?:\s+only)?)\s+${NAME}`, "i");

/** The table and change type a raw statement writes, if it is a recognisable write. */
export function detectWrite(text: string): { table: string; type: ChangeType } | undefined {
  const match = WRITE.exec(text);
  if (!match) return undefined;
  const type: ChangeType = match[1] ? "create" : match[2] ? "update" : "delete";
  return { table: match[4]!, type };
}

/** The SQL text of a `db.run`/`db.execute` argument (a string or Drizzle `sql`), if it can be built. */
export function sqlText(handle: any, query: unknown): string | undefined {
  if (typeof query === "string") return query;
  try {
    const built = (query as { getSQL?: () => unknown }).getSQL?.() ?? query;
    return handle.dialect.sqlToQuery(built).sql as string;
  } catch {
    return undefined;
  }
}
