/** `POST /`: validate, insert, answer 201 with the stored row (spec 10 §6.1). */
import type { Context } from "hono";
import { ForbiddenError } from "../../errors/problem.js";
import { readJsonBody, validateBody } from "../input.js";
import { nestedCreateHandler } from "../nested-writes.js";
import type { ResourceRuntime } from "../runtime.js";
import { resolveScope } from "../scope.js";

/** Handler for the create endpoint. */
export function createHandler(rt: ResourceRuntime) {
  const { model, db } = rt;
  const nested = rt.config.nestedWrites ? nestedCreateHandler(rt) : undefined;
  return async (c: Context) => {
    // Nested write-through (spec 10 §8.1): answered there when the body names a declared relation.
    const nestedResponse = nested ? await nested(c) : undefined;
    if (nestedResponse) return nestedResponse;
    const scope = await resolveScope(c, rt.config.auth, "create", model.name);
    if (scope.kind === "none") throw new ForbiddenError(`Not authorized to create on ${model.name}`);
    const values = validateBody(await readJsonBody(c, rt.bodyLimit), rt.createRules, "create");
    await rt.checkWriteScope(c, "create", () => rt.withDefaults(values));
    const [row] = await db.insert(model.table).values(values).returning();
    const body = rt.present(row);
    const optimisticId = c.req.header("x-covara-optimistic-id");
    if (optimisticId) body._optimisticId = optimisticId;
    return c.json(body, 201);
  };
}
