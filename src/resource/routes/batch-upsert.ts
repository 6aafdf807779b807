/**
 * `POST /batch/upsert`: insert-or-update by primary key (spec 10 §8). Items without an id are
 * inserted; items with one become `INSERT … ON CONFLICT (id) DO UPDATE SET` every provided column
 * but the id. Existing rows must lie in the caller's update scope and not be soft-deleted, else
 * the whole request is 403 and nothing is written. After the commit each item's row is published
 * in item order: `create` for an inserted row, `update` with the row read by the scope lookup as
 * its before-image for an updated one (no extra query).
 * @module
 */
import { and, inArray, sql, type SQL } from "drizzle-orm";
import type { Context } from "hono";
import { ForbiddenError, ValidationError } from "../../errors/problem.js";
import { hookContext } from "../hooks.js";
import type { ResourceRuntime } from "../runtime.js";
import { columnValues, readItems, requirePermission, validateItems } from "../batch/input.js";
import { chunk, inWriteUnit, parameterLimit, parametersOf } from "../batch/write-unit.js";
import { resourceTarget, tableChange } from "../batch/changes.js";

type Row = Record<string, unknown>;

/** One item after its hooks: the row to write and, for an update, the stored row. */
interface Prepared {
  index: number;
  row: Row;
  prior: Row | undefined;
}

const hasValue = (value: unknown) => value !== undefined && value !== null;

/** Handler for batch upsert; `limit` is `config.batch.create`. */
export function batchUpsertHandler(rt: ResourceRuntime, limit: number) {
  const { table, idKey, idColumn, columns } = rt.model;
  const hooks = rt.config.hooks ?? {};
  const forbidden = () => new ForbiddenError(`Not authorized to update on ${rt.model.name}`);

  /** The stored rows among `ids`, refusing the request if any lies outside the update scope. */
  async function existingRows(db: any, ids: unknown[], scope: SQL | undefined): Promise<Map<string, Row>> {
    const found = new Map<string, Row>();
    const room = parameterLimit(rt) - parametersOf(rt, scope);
    for (const part of chunk(ids, room)) {
      const rows: Row[] = await db.select().from(table).where(inArray(idColumn, part));
      if (rows.length === 0) continue;
      // Without a scope or soft delete every stored row qualifies: no second query.
      const inScope: Row[] = scope ? await db.select({ id: idColumn }).from(table).where(and(inArray(idColumn, part), scope)) : rows.map((row) => ({ id: row[idKey] }));
      const allowed = new Set(inScope.map((r) => String(r.id)));
      for (const row of rows) {
        if (!allowed.has(String(row[idKey]))) throw forbidden();
        found.set(String(row[idKey]), row);
      }
    }
    return found;
  }

  /** One statement per run of rows with the same keys: the SET list depends on the keys given. */
  function statements(db: any, groups: Prepared[][], scope: SQL | undefined) {
    const perStatement = Math.floor((parameterLimit(rt) - parametersOf(rt, scope)) / rt.model.keys.length);
    return groups.flatMap((group) =>
      chunk(group, perStatement).map((part) => {
        const insert = db.insert(table).values(part.map((p) => p.row));
        if (!hasValue(part[0]!.row[idKey])) return insert.returning();
        const set: Record<string, SQL> = {};
        for (const key of Object.keys(part[0]!.row)) if (key !== idKey) set[key] = sql`excluded.${sql.identifier(columns[key]!.name)}`;
        // Nothing but the id given: a no-op assignment still makes the existing row come back.
        if (Object.keys(set).length === 0) set[idKey] = sql`excluded.${sql.identifier(idColumn.name)}`;
        // The scope again in the conflict branch: a row created concurrently outside it is never overwritten.
        return insert.onConflictDoUpdate({ target: idColumn, set, ...(scope ? { setWhere: scope } : {}) }).returning();
      }),
    );
  }

  return async (c: Context) => {
    await requirePermission(c, rt, "create");
    await requirePermission(c, rt, "update");
    const values = validateItems(await readItems(c, rt, "upsert", limit), rt.createRules);
    const seen = new Map<string, number>();
    values.forEach((value, i) => {
      if (!hasValue(value[idKey])) return;
      const key = String(value[idKey]);
      if (seen.has(key)) throw new ValidationError("Request validation failed", [{ field: `items[${i}].${idKey}`, message: `Same id as items[${seen.get(key)}]` }]);
      seen.set(key, i);
    });

    const items = await inWriteUnit(rt, async (unit) => {
      const scope = await rt.where(c, "update");
      const prior = await existingRows(unit.db, values.filter((v) => hasValue(v[idKey])).map((v) => v[idKey]), scope);
      const ctx = hookContext(c, unit.db, table);
      const prepared: Prepared[] = [];
      for (const [index, value] of values.entries()) {
        const stored = hasValue(value[idKey]) ? prior.get(String(value[idKey])) : undefined;
        if (stored) {
          const { [idKey]: id, ...patch } = value;
          const data = (await hooks.onBeforeUpdate?.(ctx, String(id), patch)) ?? patch;
          // A hook cannot move the row: the id stays the one the item named.
          const row = { ...columnValues(rt, data), [idKey]: id };
          await rt.checkWriteScope(c, "update", () => ({ ...stored, ...row }), unit.db);
          prepared.push({ index, row, prior: stored });
        } else {
          const row = columnValues(rt, (await hooks.onBeforeCreate?.(ctx, value)) ?? value);
          await rt.checkWriteScope(c, "create", () => rt.withDefaults(row), unit.db);
          prepared.push({ index, row, prior: undefined });
        }
      }
      if (prepared.length === 0) return [];

      const groups = new Map<string, Prepared[]>();
      for (const p of prepared) {
        const signature = Object.keys(p.row).sort().join(",");
        const group = groups.get(signature);
        if (group) group.push(p);
        else groups.set(signature, [p]);
      }
      const ordered = [...groups.values()];
      const results = await unit.write((db) => statements(db, ordered, scope));
      const returned = results.flat();
      // Rows with an id are matched by id. The others got fresh keys, which no named id can share
      // (a primary key), so they are the remaining rows, in the order they were sent.
      const byId = new Map(returned.map((row) => [String(row[idKey]), row]));
      const named = new Set(prepared.filter((p) => hasValue(p.row[idKey])).map((p) => String(p.row[idKey])));
      const fresh = returned.filter((row) => !named.has(String(row[idKey])));
      const out: Row[] = new Array(values.length);
      let next = 0;
      for (const p of ordered.flat()) out[p.index] = hasValue(p.row[idKey]) ? byId.get(String(p.row[idKey]))! : fresh[next++]!;
      // Published before the scope verdict below: where the writes commit on their own (D1,
      // better-sqlite3) the rows written are changed whatever answer the request gets.
      const target = resourceTarget(rt);
      const changes = prepared.flatMap((p) => {
        const row = out[p.index];
        if (!row) return [];
        if (!p.prior) return [tableChange(target, c, "create", row, undefined)];
        // An item naming only the id rewrote nothing: no entry, as for a PATCH that sets nothing.
        return Object.keys(p.row).some((key) => key !== idKey) ? [tableChange(target, c, "update", row, p.prior)] : [];
      });
      unit.publish(target, changes);
      // A conflicting row that appeared outside the scope after the lookup was left untouched.
      if (returned.length < prepared.length || out.some((row) => row === undefined)) throw forbidden();
      for (const p of prepared) {
        if (p.prior) await hooks.onAfterUpdate?.(ctx, out[p.index]!);
        else await hooks.onAfterCreate?.(ctx, out[p.index]!);
      }
      return out;
    });
    return c.json({ items: items.map((row) => rt.present(row)) });
  };
}
