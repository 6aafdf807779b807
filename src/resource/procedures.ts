/**
 * RPC procedures (spec 10 §13): `defineProcedure` and its typed variant `procedureBuilder<TDb>()`.
 * Input and output schemas are anything with zod's `parse` shape; zod itself is never imported.
 * @module
 */
import type { HookContext, ParseSchema, Procedure } from "./config.js";

type MaybePromise<T> = T | Promise<T>;

/** The context a procedure handler receives: the hook context with `db` typed as `TDb`. */
export type ProcedureContext<TDb = any> = Omit<HookContext, "db"> & { db: TDb };

/** A procedure as `defineProcedure` returns it, remembering its context's db type. */
export interface TypedProcedure<TInput, TOutput, TDb = any> extends Procedure<TInput, TOutput> {
  handler: (ctx: ProcedureContext<TDb>, input: TInput) => MaybePromise<TOutput>;
}

/** `defineProcedure` for a db type: overloads infer the output from `output` when it is given. */
export interface DefineProcedure<TDb> {
  <TInput = unknown, TOutput = unknown>(procedure: {
    input?: ParseSchema<TInput>;
    output: ParseSchema<TOutput>;
    handler: (ctx: ProcedureContext<TDb>, input: TInput) => MaybePromise<NoInfer<TOutput>>;
  }): TypedProcedure<TInput, TOutput, TDb>;
  <TInput = unknown, TOutput = unknown>(procedure: {
    input?: ParseSchema<TInput>;
    output?: undefined;
    handler: (ctx: ProcedureContext<TDb>, input: TInput) => MaybePromise<TOutput>;
  }): TypedProcedure<TInput, TOutput, TDb>;
}

const identity = <T>(procedure: T): T => procedure;

/**
 * Declares a procedure for a resource's `procedures` option; `POST <mount>/rpc/<name>` runs it.
 * The handler's input is what `input.parse` returns (the raw JSON body without `input`); its
 * result is checked by `output.parse` and answered as `{ "data": … }`. No automatic auth.
 * `ctx.db` is the resource's db tracked for its own table (spec 20 §12): inserts, updates and
 * deletes of that table reach live subscribers, with the caller's id as `userId`; a tracked
 * `config.db` tracks all of its tables. `ctx.db.withoutTracking(fn)` opts a write out.
 * @example
 * procedures: {
 *   publish: defineProcedure({
 *     input: z.object({ id: z.number() }),
 *     handler: async (ctx, { id }) => {
 *       if (!ctx.user) throw new UnauthorizedError();
 *       return ctx.db.update(posts).set({ status: "published" }).where(eq(posts.id, id)).returning();
 *     },
 *   }),
 * }
 */
export const defineProcedure: DefineProcedure<any> = identity as DefineProcedure<any>;

/**
 * A `defineProcedure` whose handlers see `ctx.db` as `TDb` (e.g. your `drizzle(...)` db type).
 * @example
 * const procedure = procedureBuilder<typeof db>();
 * const stats = procedure({ handler: (ctx) => ctx.db.select().from(posts) });
 */
export function procedureBuilder<TDb>(): DefineProcedure<TDb> {
  return identity as DefineProcedure<TDb>;
}
