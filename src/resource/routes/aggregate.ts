/** `GET /aggregate`: groups and aggregates over read scope ∧ filter ∧ not deleted (spec 10 §7). */
import type { Context } from "hono";
import { ValidationError } from "../../errors/problem.js";
import { parseAggregateParams } from "../aggregate/params.js";
import { runAggregate } from "../aggregate/query.js";
import type { ResourceRuntime } from "../runtime.js";

/** Handler for the aggregate endpoint. */
export function aggregateHandler(rt: ResourceRuntime) {
  const { model } = rt;
  return async (c: Context) => {
    // Scope first: an anonymous caller gets 401 before any parameter is judged.
    const where = await rt.where(c, "read", c.req.query("filter"));
    const plan = parseAggregateParams((name) => c.req.query(name), model.columns, rt.readable);
    const having = c.req.query("having");
    if (having !== undefined && having.trim() === "") {
      throw new ValidationError("Invalid having expression: empty", [{ field: "having", message: "Empty expression" }], { parameter: "having" });
    }
    return c.json({ groups: await runAggregate(rt.db, model, plan, where, having) });
  };
}
