/**
 * `PATCH /batch?filter=`: the body is one patch applied to every row in update scope ∧ filter ∧
 * not deleted (spec 10 §8). Matching, the limit check, the chained `onBeforeUpdate` hooks and the
 * post-change scope check all happen before the single atomic write. Each updated row is
 * published as an `update` in id order after the commit; the before-images are the matched rows
 * and the after-images the RETURNING rows, so publishing costs no query.
 * @module
 */
import { and, inArray } from "drizzle-orm";
import type { Context } from "hono";
import { hookContext } from "../hooks.js";
import { readJsonBody, validateBody } from "../input.js";
import type { ResourceRuntime } from "../runtime.js";
import { columnValues, matchBatchRows } from "../batch/input.js";
import { chunk, inWriteUnit, parameterLimit, parametersOf } from "../batch/write-unit.js";
import { resourceTarget, tableChange } from "../batch/changes.js";

type Row = Record<string, unknown>;

/** Handler for batch update; `limit` is `config.batch.update`. */
export function batchUpdateHandler(rt: ResourceRuntime, limit: number) {
  const { table, idKey, idColumn } = rt.model;
  const hooks = rt.config.hooks ?? {};
  return async (c: Context) => {
    const condition = await rt.where(c, "update", c.req.query("filter"));
    // No version bump and no If-Match here: the same patch hits rows at different versions.
    const patch = validateBody(await readJsonBody(c, rt.bodyLimit), rt.updateRules, "update");
    const updated = await inWriteUnit(rt, async (unit) => {
      const rows = await matchBatchRows(rt, unit.db, condition, "update", limit);
      if (rows.length === 0) return 0;
      const ctx = hookContext(c, unit.db, table);
      // Chained: each row's hook receives the previous hook's output; the last output is written.
      let data: Row = patch;
      for (const row of rows) data = (await hooks.onBeforeUpdate?.(ctx, String(row[idKey]), data)) ?? data;
      for (const row of rows) await rt.checkWriteScope(c, "update", () => ({ ...row, ...data }), unit.db);
      const set = columnValues(rt, data);
      delete set[idKey];
      if (Object.keys(set).length === 0) return rows.length;
      const room = parameterLimit(rt) - Object.keys(set).length - parametersOf(rt, condition);
      const ids = rows.map((row) => row[idKey]);
      const results = await unit.write((db) =>
        chunk(ids, room).map((part) => db.update(table).set(set).where(and(inArray(idColumn, part), condition)).returning()),
      );
      const written = results.flat();
      const after = new Map(written.map((row) => [String(row[idKey]), row]));
      const target = resourceTarget(rt);
      // Matched order (by id), not RETURNING order, which neither database promises.
      const changes = rows.flatMap((row) => {
        const updated = after.get(String(row[idKey]));
        return updated ? [tableChange(target, c, "update", updated, row)] : [];
      });
      unit.publish(target, changes);
      for (const row of written) await hooks.onAfterUpdate?.(ctx, row);
      return written.length;
    });
    return c.json({ count: updated });
  };
}
