/**
 * `GET /:id`: one row through the read scope; out-of-scope rows are 404. With `etag` configured
 * the response carries the row's ETag, and a matching `If-None-Match` answers 304 (spec 10 §11).
 */
import type { Context } from "hono";
import { resolveEtag } from "../etag.js";
import type { ResourceRuntime } from "../runtime.js";
import { includeLoader } from "../relations/index.js";
import { selectParam } from "./select.js";

/** Handler for the get endpoint. */
export function getHandler(rt: ResourceRuntime) {
  const include = includeLoader(rt);
  const etag = resolveEtag(rt.model, rt.config.etag);
  return async (c: Context) => {
    const select = selectParam(rt, c.req.query("select"));
    const { row } = await rt.findById(c, "read", c.req.param("id")!);
    if (etag) {
      const tag = await etag.tag(row);
      c.header("ETag", tag);
      if (etag.notModified(c.req.header("if-none-match"), tag)) return c.body(null, 304);
    }
    const body = [rt.present(row, select)];
    await include(c, c.req.query("include"), [row], body);
    return c.json(body[0]!);
  };
}
