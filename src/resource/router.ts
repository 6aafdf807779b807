/**
 * `useResource(table, config)`: the generated REST endpoints of one resource as a plain Hono
 * router. Static segments (`/count`, `/aggregate`, `/aggregate/subscribe`) are registered before
 * `/:id` so they win.
 * @module
 */
import { Hono, type Context } from "hono";
import { createResourceRateLimiter } from "../middleware/rate-limit/fixed-window.js";
import type {} from "../middleware/observability/index.js"; // the covaraResource / covaraOperation context variables
import type { Table } from "drizzle-orm";
import type { ResourceConfig } from "./config.js";
import { createResourceRuntime, type ResourceRuntime } from "./runtime.js";
import { aggregateHandler } from "./routes/aggregate.js";
import { mountBatchRoutes } from "./routes/batch.js";
import { countHandler } from "./routes/count.js";
import { createHandler } from "./routes/create.js";
import { deleteHandler } from "./routes/delete.js";
import { getHandler } from "./routes/get.js";
import { listHandler } from "./routes/list.js";
import { rpcHandler } from "./routes/rpc.js";
import { updateHandler } from "./routes/update.js";
import { subscribeHandler } from "../realtime/routes/subscribe.js";
import { notServed } from "./not-served.js";
import { aggregateSubscribeHandler } from "../realtime/routes/aggregate-subscribe.js";

type Handler = (c: Context) => Response | Promise<Response>;

/**
 * Names the resource and operation for observability (`c.get("covaraResource")`,
 * `c.get("covaraOperation")`). A wrapper, not a middleware: a route with a single handler takes
 * Hono's fast path and skips the compose chain.
 */
const mark = (resource: string) => (op: string, handler: Handler): Handler => (c) => {
  c.set("covaraResource", resource);
  c.set("covaraOperation", op);
  return handler(c);
};

/** Mounts the endpoints of an already built resource runtime on a router. */
export function resourceRouter(rt: ResourceRuntime): Hono {
  const router = new Hono();
  const caps = rt.config.capabilities ?? {};
  const name = rt.model.name;
  const operation = mark(name);
  // Built here, so an invalid limit throws when the resource is mounted; keys carry the resource name.
  if (rt.config.rateLimit) router.use("*", createResourceRateLimiter(name, rt.config.rateLimit));
  router.get("/count", operation("count", countHandler(rt)));
  // A disabled static segment still answers 404 itself: `GET /:id` must never see it as an id.
  const disabled = notServed((c: Context) => c.notFound());
  const aggregations = caps.enableAggregations !== false;
  const subscriptions = caps.enableSubscribe !== false;
  // The live variant needs both capabilities; registered before `/aggregate` and `/:id`.
  router.get("/aggregate/subscribe", aggregations && subscriptions ? operation("subscribeAggregate", aggregateSubscribeHandler(rt)) : disabled);
  router.get("/aggregate", aggregations ? operation("aggregate", aggregateHandler(rt)) : disabled);
  const procedures = rt.config.procedures;
  if (procedures && Object.keys(procedures).length > 0) router.post("/rpc/:name", operation("rpc", rpcHandler(rt, procedures)));
  router.get("/subscribe", subscriptions ? operation("subscribe", subscribeHandler(rt)) : disabled);
  router.get("/", operation("list", listHandler(rt)));
  // Before every `/:id` route: `/batch` is a static segment and must win.
  mountBatchRoutes(router, rt, operation);
  router.get("/:id", operation("get", getHandler(rt)));
  if (caps.enableCreate !== false) router.post("/", operation("create", createHandler(rt)));
  if (caps.enableUpdate !== false) {
    router.patch("/:id", operation("update", updateHandler(rt, "update")));
    router.put("/:id", operation("replace", updateHandler(rt, "replace")));
  }
  if (caps.enableDelete !== false) router.delete("/:id", operation("delete", deleteHandler(rt)));
  return router;
}

/**
 * A plain Hono router serving list, get, create, update, replace, delete, count, aggregate and
 * the resource's procedures for a table.
 * @example
 * app.route("/api/users", useResource(usersTable, { id: usersTable.id, db }));
 */
export function useResource<T extends Table>(table: T, config: ResourceConfig<T>): Hono {
  return resourceRouter(createResourceRuntime(table, config as ResourceConfig));
}
