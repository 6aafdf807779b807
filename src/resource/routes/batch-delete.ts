/**
 * `DELETE /batch?filter=`: delete (or soft-delete) every row in delete scope ∧ filter ∧ not
 * deleted (spec 10 §8). Matching, the limit check and `onBeforeDelete` per row happen before the
 * single atomic write; `onAfterDelete` receives each row as it was before. Each removed row is
 * published as a `delete` (a soft delete too, as on `DELETE /:id`) with its matched row as the
 * before-image, in id order, after the commit: no extra query.
 * @module
 */
import { and, inArray } from "drizzle-orm";
import type { Context } from "hono";
import { hookContext } from "../hooks.js";
import type { ResourceRuntime } from "../runtime.js";
import { matchBatchRows } from "../batch/input.js";
import { chunk, inWriteUnit, parameterLimit, parametersOf } from "../batch/write-unit.js";
import { resourceTarget, tableChange } from "../batch/changes.js";

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
      const removed = new Set(gone.map(({ id }) => String(id)));
      const target = resourceTarget(rt);
      // A soft delete travels the delete path (spec 20 §6.2): subscribers get `removed`.
      unit.publish(target, rows.filter((row) => removed.has(String(row[idKey]))).map((row) => tableChange(target, c, "delete", undefined, row)));
      for (const { id } of gone) await hooks.onAfterDelete?.(ctx, before.get(String(id))!);
      return gone.length;
    });
    return c.json({ count: deleted });
  };
}
