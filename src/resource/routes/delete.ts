/** `DELETE /:id`: remove a row inside the delete scope; 204 with no body. */
import { and, eq } from "drizzle-orm";
import type { Context } from "hono";
import type { ResourceRuntime } from "../runtime.js";

/** Handler for the delete endpoint. */
export function deleteHandler(rt: ResourceRuntime) {
  const { model, db } = rt;
  return async (c: Context) => {
    const { id } = await rt.findById(c, "delete", c.req.param("id")!);
    const scope = await rt.where(c, "delete");
    await db.delete(model.table).where(scope ? and(eq(model.idColumn, id), scope) : eq(model.idColumn, id));
    return c.body(null, 204);
  };
}
