/** `PATCH /:id` (partial) and `PUT /:id` (full payload): update inside the update scope. */
import { and, eq } from "drizzle-orm";
import type { Context } from "hono";
import { PreconditionFailedError } from "../../errors/problem.js";
import { readJsonBody, validateBody } from "../input.js";
import type { ResourceRuntime } from "../runtime.js";

/** Handler for PATCH (`mode: "update"`) or PUT (`mode: "replace"`). */
export function updateHandler(rt: ResourceRuntime, mode: "update" | "replace") {
  const { model, db } = rt;
  return async (c: Context) => {
    const { id, row } = await rt.findById(c, "update", c.req.param("id")!);
    const body = await readJsonBody(c, rt.bodyLimit);
    // The path names the row; a body id never moves it, whatever its type.
    if (typeof body === "object" && body !== null) delete (body as Record<string, unknown>)[model.idKey];
    const values = validateBody(body, rt.updateRules, mode);
    await rt.checkWriteScope(c, "update", () => ({ ...row, ...values }));
    if (Object.keys(values).length === 0) return c.json(rt.present(row));
    const scope = await rt.where(c, "update");
    const target = scope ? and(eq(model.idColumn, id), scope) : eq(model.idColumn, id);
    const [updated] = await db.update(model.table).set(values).where(target).returning();
    // The row left the scope or vanished between the lookup and the write.
    if (!updated) throw new PreconditionFailedError(undefined, "Resource was modified");
    return c.json(rt.present(updated));
  };
}
