/**
 * `PATCH /:id` (partial) and `PUT /:id` (full payload), spec 10 §6.1: lookup through the update
 * scope → 404 → If-Match → validate + strip → `onBeforeUpdate` → version bump → update-scope check
 * on the post-update row → UPDATE … [∧ CAS] RETURNING → zero rows → 412 → `onAfterUpdate` → 200.
 */
import { and, eq, type SQL } from "drizzle-orm";
import type { Context } from "hono";
import { resolveEtag } from "../etag.js";
import { hookContext } from "../hooks.js";
import { readJsonBody, validateBody } from "../input.js";
import type { ResourceRuntime } from "../runtime.js";
import { commitWrite, modifiedError, setsAnyColumn, type WriteStep } from "../write-commit.js";
import { jsonImage, rowChange } from "../../realtime/publish.js";

type Row = Record<string, unknown>;

/** Handler for PATCH (`mode: "update"`) or PUT (`mode: "replace"`). */
export function updateHandler(rt: ResourceRuntime, mode: "update" | "replace") {
  const { model } = rt;
  const hooks = rt.config.hooks;
  const etag = resolveEtag(model, rt.config.etag);

  /** UPDATE … RETURNING inside the scope (and CAS); zero rows is a 412. */
  const update = (c: Context, id: unknown, row: Row, values: Row, guard: SQL | undefined): WriteStep<Row> => ({
    build: (target) => (setsAnyColumn(values, model.columns) ? target.update(model.table).set(values).where(guard).returning() : undefined),
    async read(updated: Row[] | undefined, target) {
      if (updated === undefined) return row;
      // The row changed (CAS), left the scope or vanished between the lookup and the write.
      if (updated.length === 0) throw await modifiedError(rt, etag, target, id);
      return updated[0]!;
    },
    planned: () => ({ change: { ...rowChange(rt, c, "update", undefined, row), objectId: String(id), previousObject: jsonImage(row) }, idKnown: true }),
  });

  return async (c: Context) => {
    const { id, row } = await rt.findById(c, "update", c.req.param("id")!);
    const cas = etag ? await etag.precondition(c.req.header("if-match"), row) : undefined;
    const body = await readJsonBody(c, rt.bodyLimit);
    // The path names the row; a body id never moves it, whatever its type.
    if (typeof body === "object" && body !== null) delete (body as Row)[model.idKey];
    let values = validateBody(body, rt.updateRules, mode);
    const ctx = hooks ? hookContext(c, rt.hookDb, model.table) : undefined;
    if (hooks?.onBeforeUpdate) values = (await hooks.onBeforeUpdate(ctx!, String(id), values)) ?? values;
    if (etag) values = etag.bumpVersion(values, row);
    const data = values;
    await rt.checkWriteScope(c, "update", () => ({ ...row, ...data }));
    const scope = await rt.where(c, "update");
    const byId = eq(model.idColumn, id);
    const guard = scope ? (cas ? and(byId, scope, cas) : and(byId, scope)) : cas ? and(byId, cas) : byId;
    // An update that sets nothing changes nothing: no changelog entry.
    const changes = (after: Row) => (after === row ? [] : [rowChange(rt, c, "update", after, row)]);
    const updated = await commitWrite(rt, ctx, update(c, id, row, data, guard), hooks?.onAfterUpdate, changes);
    if (etag) c.header("ETag", await etag.tag(updated));
    return c.json(rt.present(updated));
  };
}
