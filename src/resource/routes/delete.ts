/**
 * `DELETE /:id` (spec 10 §6.1, §9): lookup through the delete scope → 404 → If-Match →
 * `onBeforeDelete` → DELETE, or the soft-delete marker UPDATE, [∧ CAS] → zero rows → 412 (404 for
 * a soft delete that lost a race) → `onAfterDelete(row before deletion)` → 204 with no body.
 */
import { and, eq, isNull, type SQL } from "drizzle-orm";
import type { Context } from "hono";
import { NotFoundError } from "../../errors/problem.js";
import { resolveEtag } from "../etag.js";
import { hookContext } from "../hooks.js";
import type { ResourceRuntime } from "../runtime.js";
import { commitWrite, modifiedError, type WriteStep } from "../write-commit.js";
import { rowChange } from "../../realtime/publish.js";

type Row = Record<string, unknown>;

/** Handler for the delete endpoint. */
export function deleteHandler(rt: ResourceRuntime) {
  const { model } = rt;
  const hooks = rt.config.hooks;
  const soft = rt.softDelete;
  const etag = resolveEtag(model, rt.config.etag);

  /**
   * Runs the DELETE or marker UPDATE and answers how many rows it removed (0 when a concurrent
   * delete won: that write's entry is the only one). Zero rows is an error only where it can be
   * seen (a precondition, a soft delete).
   */
  const remove = (c: Context, id: unknown, rawId: string, row: Row, guard: SQL, cas: SQL | undefined): WriteStep<number> => ({
    build: (target) =>
      soft
        ? target.update(model.table).set({ [soft.key]: soft.marker() }).where(and(guard, isNull(soft.column))).returning({ id: model.idColumn })
        : target.delete(model.table).where(guard).returning({ id: model.idColumn }),
    async read(removed: unknown[], target) {
      if (removed.length > 0 || (!soft && !cas)) return removed.length;
      if (cas) throw await modifiedError(rt, etag, target, id);
      // Another request soft-deleted it first.
      throw new NotFoundError(model.name, rawId);
    },
    planned: () => ({ change: rowChange(rt, c, "delete", undefined, row), idKnown: true }),
  });

  return async (c: Context) => {
    const rawId = c.req.param("id")!;
    const { id, row } = await rt.findById(c, "delete", rawId);
    // `?withDeleted=true` may reveal a deleted row, but deleting it again is still a 404.
    if (soft && row[soft.key] !== null && row[soft.key] !== undefined) throw new NotFoundError(model.name, rawId);
    const cas = etag ? await etag.precondition(c.req.header("if-match"), row) : undefined;
    const ctx = hooks ? hookContext(c, rt.hookDb, model.table) : undefined;
    if (hooks?.onBeforeDelete) await hooks.onBeforeDelete(ctx!, String(id));
    const scope = await rt.where(c, "delete");
    const byId = eq(model.idColumn, id);
    const guard = (scope ? (cas ? and(byId, scope, cas) : and(byId, scope)) : cas ? and(byId, cas) : byId)!;
    const onAfterDelete = hooks?.onAfterDelete;
    // A soft delete travels the delete path (spec 20 §6.2): subscribers get `removed`.
    const changes = (removed: number) => (removed > 0 ? [rowChange(rt, c, "delete", undefined, row)] : []);
    await commitWrite(rt, ctx, remove(c, id, rawId, row, guard, cas), onAfterDelete && ((hookCtx: typeof ctx & {}) => onAfterDelete(hookCtx, row)), changes);
    return c.body(null, 204);
  };
}
