/**
 * `DELETE /batch?filter=`: delete (or soft-delete) every row in delete scope ∧ filter ∧ not
 * deleted (spec 10 §8). Matching, the limit check and `onBeforeDelete` per row happen before the
 * single atomic write; `onAfterDelete` receives each row as it was before.
 * @module
 */
import { and, inArray } from "drizzle-orm";
import type { Context } from "hono";
import { hookContext } from "../hooks.js";
import type { ResourceRuntime } from "../runtime.js";
import { matchBatchRows } from "../batch/input.js";
import { chunk, inWriteUnit, parameterLimit, parametersOf } from "../batch/write-unit.js";

type Row = Record<string, unknown>;

/** Handler for batch delete; `limit` is `config.batch.delete`. */
export function batchDeleteHandler(rt: ResourceRuntime, limit: number) {
  const { table, idKey, idColumn } = rt.model;
  const hooks = rt.config.hooks ?? {};
  const softDelete = rt.softDelete;
  return async (c: Context) => {
    const condition = await rt.where(c, "delete", c.req.query("filter"));
    const deleted = await inWriteUnit(rt, async (unit) => {
      const rows = await matchBatchRows(rt, unit.db, condition, "delete", limit);
      if (rows.length === 0) return 0;
      const ctx = hookContext(c, unit.db, table);
      for (const row of rows) await hooks.onBeforeDelete?.(ctx, String(row[idKey]));
      const marker = softDelete ? { [softDelete.key]: softDelete.marker() } : undefined;
      const room = parameterLimit(rt) - (marker ? 1 : 0) - parametersOf(rt, condition);
      const ids = rows.map((row) => row[idKey]);
      const results = await unit.write((db) =>
        chunk(ids, room).map((part) => {
          const target = and(inArray(idColumn, part), condition);
          return (marker ? db.update(table).set(marker).where(target) : db.delete(table).where(target)).returning({ id: idColumn });
        }),
      );
      const before = new Map(rows.map((row) => [String(row[idKey]), row]));
      const gone = results.flat();
      for (const { id } of gone) await hooks.onAfterDelete?.(ctx, before.get(String(id))!);
      return gone.length;
    });
    return c.json({ count: deleted });
  };
}
