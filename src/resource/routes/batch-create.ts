/**
 * `POST /batch`: create every item of `{ items: [...] }` or none (spec 10 §8). Items are validated
 * first, then `onBeforeCreate` runs per item in order, each row is checked against the create
 * scope, and the rows go in as multi-row INSERTs (chunked for D1) in one atomic unit. Each
 * inserted row is published as a `create`, in item order, after the commit (from the RETURNING
 * rows: no extra query).
 * @module
 */
import type { Context } from "hono";
import { hookContext } from "../hooks.js";
import type { ResourceRuntime } from "../runtime.js";
import { readItems, requirePermission, validateItems } from "../batch/input.js";
import { chunk, inWriteUnit, rowsPerInsert } from "../batch/write-unit.js";
import { resourceTarget, tableChange } from "../batch/changes.js";

type Row = Record<string, unknown>;

/** Handler for batch create; `limit` is `config.batch.create`. */
export function batchCreateHandler(rt: ResourceRuntime, limit: number) {
  const { table } = rt.model;
  const hooks = rt.config.hooks ?? {};
  return async (c: Context) => {
    await requirePermission(c, rt, "create");
    const values = validateItems(await readItems(c, rt, "create", limit), rt.createRules);
    const created = await inWriteUnit(rt, async (unit) => {
      const ctx = hookContext(c, unit.db, table);
      const rows: Row[] = [];
      for (const value of values) rows.push((await hooks.onBeforeCreate?.(ctx, value)) ?? value);
      for (const row of rows) await rt.checkWriteScope(c, "create", () => rt.withDefaults(row), unit.db);
      if (rows.length === 0) return [];
      const results = await unit.write((db) => chunk(rows, rowsPerInsert(rt)).map((part) => db.insert(table).values(part).returning()));
      const inserted = results.flat();
      const target = resourceTarget(rt);
      unit.publish(target, inserted.map((row) => tableChange(target, c, "create", row, undefined)));
      for (const row of inserted) await hooks.onAfterCreate?.(ctx, row);
      return inserted;
    });
    return c.json({ items: created.map((row) => rt.present(row)) });
  };
}
