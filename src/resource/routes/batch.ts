/**
 * Mounts the `/batch*` routes of a resource (spec 10 §8). Called before `/:id` is registered, so
 * the static segment wins. `capabilities.enableBatch: false` removes all of them, a `0` limit in
 * `config.batch` removes one, and a route is also absent when the single-row operation it
 * extends is disabled (a batch must not reopen what `enableCreate: false` closed).
 * @module
 */
import type { Context, Hono } from "hono";
import type { ResourceRuntime } from "../runtime.js";
import { batchLimit } from "../batch/input.js";
import { batchCreateHandler } from "./batch-create.js";
import { batchDeleteHandler } from "./batch-delete.js";
import { batchUpdateHandler } from "./batch-update.js";
import { batchUpsertHandler } from "./batch-upsert.js";

type Handler = (c: Context) => Response | Promise<Response>;

/** Registers the enabled batch routes; `operation` names each for observability. */
export function mountBatchRoutes(router: Hono, rt: ResourceRuntime, operation: (op: string, handler: Handler) => Handler): void {
  const caps = rt.config.capabilities ?? {};
  if (caps.enableBatch === false) return;
  const create = batchLimit(rt, "create");
  const update = batchLimit(rt, "update");
  const remove = batchLimit(rt, "delete");
  if (create > 0 && caps.enableCreate !== false) {
    router.post("/batch", operation("batchCreate", batchCreateHandler(rt, create)));
    if (caps.enableUpdate !== false) router.post("/batch/upsert", operation("batchUpsert", batchUpsertHandler(rt, create)));
  }
  if (update > 0 && caps.enableUpdate !== false) router.patch("/batch", operation("batchUpdate", batchUpdateHandler(rt, update)));
  if (remove > 0 && caps.enableDelete !== false) router.delete("/batch", operation("batchDelete", batchDeleteHandler(rt, remove)));
}
