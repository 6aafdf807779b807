/**
 * `useResource(table, config)`: the generated REST endpoints of one resource as a plain Hono
 * router. Static segments (`/count`) are registered before `/:id` so they win.
 * @module
 */
import { Hono } from "hono";
import type { Table } from "drizzle-orm";
import type { ResourceConfig } from "./config.js";
import { createResourceRuntime, type ResourceRuntime } from "./runtime.js";
import { countHandler } from "./routes/count.js";
import { createHandler } from "./routes/create.js";
import { deleteHandler } from "./routes/delete.js";
import { getHandler } from "./routes/get.js";
import { listHandler } from "./routes/list.js";
import { updateHandler } from "./routes/update.js";

/** Mounts the endpoints of an already built resource runtime on a router. */
export function resourceRouter(rt: ResourceRuntime): Hono {
  const router = new Hono();
  const caps = rt.config.capabilities ?? {};
  router.get("/count", countHandler(rt));
  router.get("/", listHandler(rt));
  router.get("/:id", getHandler(rt));
  if (caps.enableCreate !== false) router.post("/", createHandler(rt));
  if (caps.enableUpdate !== false) {
    router.patch("/:id", updateHandler(rt, "update"));
    router.put("/:id", updateHandler(rt, "replace"));
  }
  if (caps.enableDelete !== false) router.delete("/:id", deleteHandler(rt));
  return router;
}

/**
 * A plain Hono router serving list, get, create, update, replace, delete and count for a table.
 * @example
 * app.route("/api/users", useResource(usersTable, { id: usersTable.id, db }));
 */
export function useResource<T extends Table>(table: T, config: ResourceConfig<T>): Hono {
  return resourceRouter(createResourceRuntime(table, config as ResourceConfig));
}
