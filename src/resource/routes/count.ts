/** `GET /count`: rows in read scope ∧ filter (spec 10 §6.3). */
import { count } from "drizzle-orm";
import type { Context } from "hono";
import type { ResourceRuntime } from "../runtime.js";

/** Handler for the count endpoint. */
export function countHandler(rt: ResourceRuntime) {
  return async (c: Context) => {
    const where = await rt.where(c, "read", c.req.query("filter"));
    const prepared = rt.preparedReads(where);
    if (prepared) return c.json({ count: await prepared.count() });
    const [result] = await rt.db.select({ count: count() }).from(rt.model.table).where(where);
    // Postgres drivers may return counts as strings.
    return c.json({ count: Number(result?.count ?? 0) });
  };
}
