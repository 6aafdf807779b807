/**
 * `POST /rpc/:name`: body → `input.parse` → handler(ctx, input) → `output.parse` → 200
 * `{ "data": output }` (spec 10 §13). Procedures get no automatic auth; their `ctx.db` is tracked
 * for the resource's own table, so their writes reach subscribers with the caller's user id.
 * @module
 */
import type { Context } from "hono";
import { ResourceError, ValidationError, type FieldError } from "../../errors/problem.js";
import type { Procedure } from "../config.js";
import { hookContext } from "../hooks.js";
import { readJsonBody } from "../input.js";
import type { ResourceRuntime } from "../runtime.js";
import { procedureDbFor } from "../../realtime/track/resource-binding.js";

interface IssueLike {
  path?: unknown;
  message?: unknown;
}

/** `[{ path, message }]` from a zod-style `issues` array, or one entry for any other error. */
function inputErrors(error: unknown): FieldError[] {
  const issues = (error as { issues?: unknown } | null)?.issues;
  if (Array.isArray(issues)) {
    return issues.map((issue: IssueLike) => ({
      path: Array.isArray(issue.path) ? issue.path.map(String).join(".") : "",
      message: typeof issue.message === "string" ? issue.message : "Invalid value",
    }));
  }
  return [{ path: "", message: error instanceof Error ? error.message : String(error) }];
}

/** Handler for the procedure endpoint of a resource with `procedures`. */
export function rpcHandler(rt: ResourceRuntime, procedures: Record<string, Procedure>) {
  const resource = rt.model.name;
  // ctx.db is tracked for this resource (spec 20 §12): procedure writes reach its subscribers.
  const db = procedureDbFor(rt.config.db, rt.model.table, rt.model.idColumn, rt.realtime);
  return async (c: Context) => {
    const name = c.req.param("name") ?? "";
    // Own keys only: `constructor` or `__proto__` are not procedures.
    const procedure = Object.hasOwn(procedures, name) ? procedures[name] : undefined;
    if (!procedure) throw new ResourceError(404, "NOT_FOUND", `Procedure '${name}' not found on ${resource}`, { resource, procedure: name });
    const body = await readJsonBody(c, rt.bodyLimit);

    let input: unknown = body;
    if (procedure.input) {
      try {
        input = await procedure.input.parse(body);
      } catch (error) {
        // A validator that already speaks problem+json keeps its own answer.
        if (error instanceof ResourceError) throw error;
        throw new ValidationError("Invalid procedure input", inputErrors(error), { procedure: name });
      }
    }

    const result = await procedure.handler(hookContext(c, db, rt.model.table), input);

    let output: unknown = result;
    if (procedure.output) {
      try {
        output = await procedure.output.parse(result);
      } catch (error) {
        // The handler broke its own contract: a server error, with the issues kept for the log only.
        throw new ResourceError(500, "OUTPUT_VALIDATION_ERROR", `Output of procedure '${name}' failed validation`, { procedure: name }, { cause: error });
      }
    }
    // bigints (e.g. from a bigint column) travel as strings, as in rows.
    const json = JSON.stringify({ data: output ?? null }, (_key, value) => (typeof value === "bigint" ? value.toString() : value));
    return c.body(json, 200, { "content-type": "application/json" });
  };
}
