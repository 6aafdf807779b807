/**
 * Lifecycle hooks (spec 10 §12): the context they receive, and the `composeHooks` /
 * `createTimestampHooks` helpers. Routes call `hookContext` once per request.
 * @module
 */
import type { Context } from "hono";
import type { Table } from "drizzle-orm";
import type { HookContext, ResourceHooks, UserContext } from "./config.js";
import { actingUser } from "../realtime/publish.js";
import { bindTracked } from "../realtime/track/resource-binding.js";

type Row = Record<string, unknown>;

/**
 * The context hooks and procedures receive for one request. A tracked `db` is bound to the
 * caller, so the entries its writes record carry the user's id (spec 20 §1).
 */
export function hookContext(c: Context, db: unknown, schema: Table): HookContext {
  const userId = actingUser(c);
  const bound = userId === undefined ? db : bindTracked(db, { userId });
  return { db: bound, schema, user: (c.get("user" as never) as UserContext | null | undefined) ?? null, req: c.req.raw, context: c };
}

/**
 * Chains hook sets: before-hooks run left to right, each receiving the previous output (`void`
 * keeps it); after-hooks and `onBeforeDelete` run in order.
 * @example hooks: composeHooks(createTimestampHooks(), auditHooks)
 */
export function composeHooks(...sets: (ResourceHooks | undefined)[]): ResourceHooks {
  const present = sets.filter((set): set is ResourceHooks => set !== undefined);
  const pick = <K extends keyof ResourceHooks>(name: K) => present.map((set) => set[name]).filter((fn): fn is NonNullable<ResourceHooks[K]> => fn !== undefined);
  const beforeCreate = pick("onBeforeCreate");
  const beforeUpdate = pick("onBeforeUpdate");
  const sequence = <A extends unknown[]>(fns: ((...args: A) => unknown)[]) =>
    fns.length === 0
      ? undefined
      : async (...args: A) => {
          for (const fn of fns) await fn(...args);
        };
  return {
    onBeforeCreate:
      beforeCreate.length === 0
        ? undefined
        : async (ctx, data) => {
            let current = data;
            for (const fn of beforeCreate) current = (await fn(ctx, current)) ?? current;
            return current;
          },
    onBeforeUpdate:
      beforeUpdate.length === 0
        ? undefined
        : async (ctx, id, data) => {
            let current = data;
            for (const fn of beforeUpdate) current = (await fn(ctx, id, current)) ?? current;
            return current;
          },
    onAfterCreate: sequence(pick("onAfterCreate")),
    onAfterUpdate: sequence(pick("onAfterUpdate")),
    onBeforeDelete: sequence(pick("onBeforeDelete")),
    onAfterDelete: sequence(pick("onAfterDelete")),
  };
}

/**
 * Sets `createdAt` and `updatedAt` to now on create, and `updatedAt` on update. Field names are
 * property keys and can be renamed.
 */
export function createTimestampHooks(options: { createdAt?: string; updatedAt?: string } = {}): ResourceHooks {
  const created = options.createdAt ?? "createdAt";
  const updated = options.updatedAt ?? "updatedAt";
  return {
    onBeforeCreate: (_ctx, data: Row) => {
      const now = new Date();
      return { ...data, [created]: now, [updated]: now };
    },
    onBeforeUpdate: (_ctx, _id, data: Row) => ({ ...data, [updated]: new Date() }),
  };
}
