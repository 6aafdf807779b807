/** Test sign-in for the resource suites: a header stands in for an auth adapter. */
import type { MiddlewareHandler } from "hono";

/**
 * `x-user: <id>[:<value>]` signs in `{ id, [claim]: value }`. Ids are numbers unless `stringIds`.
 * @example createCovara({ middleware: [headerAuth("org")] })
 */
export function headerAuth(claim = "role", options: { stringIds?: boolean } = {}): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("x-user");
    if (header) {
      const [id, value] = header.split(":");
      c.set("user" as never, { id: options.stringIds ? id : Number(id), ...(value === undefined ? {} : { [claim]: value }) } as never);
    }
    await next();
  };
}
