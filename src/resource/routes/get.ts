/** `GET /:id`: one row through the read scope; out-of-scope rows are 404. */
import type { Context } from "hono";
import type { ResourceRuntime } from "../runtime.js";
import { selectParam } from "./select.js";

/** Handler for the get endpoint. */
export function getHandler(rt: ResourceRuntime) {
  return async (c: Context) => {
    const select = selectParam(rt, c.req.query("select"));
    const { row } = await rt.findById(c, "read", c.req.param("id")!);
    return c.json(rt.present(row, select));
  };
}
