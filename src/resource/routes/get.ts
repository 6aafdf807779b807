/** `GET /:id`: one row through the read scope; out-of-scope rows are 404. */
import type { Context } from "hono";
import type { ResourceRuntime } from "../runtime.js";
import { includeLoader } from "../relations/index.js";
import { selectParam } from "./select.js";

/** Handler for the get endpoint. */
export function getHandler(rt: ResourceRuntime) {
  const include = includeLoader(rt);
  return async (c: Context) => {
    const select = selectParam(rt, c.req.query("select"));
    const { row } = await rt.findById(c, "read", c.req.param("id")!);
    const body = [rt.present(row, select)];
    await include(c, c.req.query("include"), [row], body);
    return c.json(body[0]!);
  };
}
