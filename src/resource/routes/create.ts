/**
 * `POST /` (spec 10 §6.1): permission → body → validate + strip non-writable → `onBeforeCreate` →
 * create-scope check on the post-hook row → INSERT … RETURNING → `onAfterCreate` → 201 (+ ETag).
 */
import type { Context } from "hono";
import { ForbiddenError } from "../../errors/problem.js";
import { resolveEtag } from "../etag.js";
import { hookContext } from "../hooks.js";
import { readJsonBody, validateBody } from "../input.js";
import { nestedCreateHandler } from "../nested-writes.js";
import type { ResourceRuntime } from "../runtime.js";
import { resolveScope } from "../scope.js";
import { commitWrite, type WriteStep } from "../write-commit.js";
import { rowChange } from "../../realtime/publish.js";

type Row = Record<string, unknown>;

/** Handler for the create endpoint. */
export function createHandler(rt: ResourceRuntime) {
  const { model } = rt;
  const nested = rt.config.nestedWrites ? nestedCreateHandler(rt) : undefined;
  const hooks = rt.config.hooks;
  const etag = resolveEtag(model, rt.config.etag);
  const insert = (c: Context, values: Row): WriteStep<Row> => ({
    build: (target) => target.insert(model.table).values(values).returning(),
    read: async (rows: Row[]) => rows[0]!,
    // D1 outbox: the id comes from the batch when the database assigns it.
    planned: () => {
      const optimisticId = c.req.header("x-covara-optimistic-id");
      const change = { ...rowChange(rt, c, "create", values, undefined), object: undefined, ...(optimisticId ? { optimisticId } : {}) };
      return { change, idKnown: values[model.idKey] !== undefined };
    },
  });
  return async (c: Context) => {
    // Nested write-through (spec 10 §8.1): answered there when the body names a declared relation.
    const nestedResponse = nested ? await nested(c) : undefined;
    if (nestedResponse) return nestedResponse;
    const scope = await resolveScope(c, rt.config.auth, "create", model.name);
    if (scope.kind === "none") throw new ForbiddenError(`Not authorized to create on ${model.name}`);
    let values = validateBody(await readJsonBody(c, rt.bodyLimit), rt.createRules, "create");
    const optimisticId = c.req.header("x-covara-optimistic-id");
    const changes = (created: Row) => {
      const change = rowChange(rt, c, "create", created, undefined);
      if (optimisticId) change.optimisticId = optimisticId;
      return [change];
    };
    let row!: Row;
    if (hooks) {
      const ctx = hookContext(c, rt.hookDb, model.table);
      // A before-hook may set any column (writable or not); `void` keeps the data it was given.
      if (hooks.onBeforeCreate) values = (await hooks.onBeforeCreate(ctx, values)) ?? values;
      const data = values;
      await rt.checkWriteScope(c, "create", () => rt.withDefaults(data));
      row = await commitWrite(rt, ctx, insert(c, data), hooks.onAfterCreate, changes);
    } else {
      await rt.checkWriteScope(c, "create", () => rt.withDefaults(values));
      const data = values;
      row = await commitWrite(rt, undefined, insert(c, data), undefined, changes);
    }
    const body = rt.present(row);
    if (optimisticId) body._optimisticId = optimisticId;
    if (etag) c.header("ETag", await etag.tag(row));
    return c.json(body, 201);
  };
}
