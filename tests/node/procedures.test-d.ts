/**
 * Type tests for `defineProcedure` / `procedureBuilder`: input and output inference from
 * zod-shaped schemas. Checked by `tsc --noEmit -p .` (expectTypeOf is a no-op at run time).
 */
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import type { LibSQLDatabase } from "drizzle-orm/libsql";
import { defineProcedure, procedureBuilder, useResource, type ParseSchema, type ProcedureContext, type UserContext } from "../../src/index.js";
import { sqlitePosts } from "../resources/schema.js";

describe("procedure types", () => {
  it("infers the handler input from the input schema and the output from the output schema", () => {
    const publish = defineProcedure({
      input: z.object({ id: z.number(), note: z.string().optional() }),
      output: z.object({ ok: z.boolean() }),
      handler: (ctx, input) => {
        expectTypeOf(input).toEqualTypeOf<{ id: number; note?: string | undefined }>();
        expectTypeOf(ctx.user).toEqualTypeOf<UserContext | null>();
        expectTypeOf(ctx.req).toEqualTypeOf<Request>();
        return { ok: true };
      },
    });
    expectTypeOf(publish.handler).returns.toEqualTypeOf<{ ok: boolean } | Promise<{ ok: boolean }>>();
    expectTypeOf(publish.input).toEqualTypeOf<ParseSchema<{ id: number; note?: string | undefined }> | undefined>();
  });

  it("takes the output type from the handler when there is no output schema", async () => {
    const stats = defineProcedure({ handler: async () => ({ total: 3, label: "x" }) });
    expectTypeOf(stats.handler).returns.resolves.toEqualTypeOf<{ total: number; label: string }>();
  });

  it("passes the raw body as unknown when there is no input schema", () => {
    defineProcedure({
      handler: (_ctx, input) => {
        expectTypeOf(input).toBeUnknown();
        return null;
      },
    });
  });

  it("rejects a handler whose result does not match the output schema", () => {
    // @ts-expect-error: `ok` must be a boolean
    defineProcedure({ output: z.object({ ok: z.boolean() }), handler: () => ({ ok: "yes" }) });
    defineProcedure({
      input: z.object({ id: z.number() }),
      handler: (_ctx, input) => {
        // @ts-expect-error: the input has no `name`
        return input.name;
      },
    });
  });

  it("types ctx.db with procedureBuilder<TDb>() and fits the procedures option", () => {
    const procedure = procedureBuilder<LibSQLDatabase>();
    const list = procedure({
      input: z.object({ limit: z.number() }),
      handler: (ctx, input) => {
        expectTypeOf(ctx).toEqualTypeOf<ProcedureContext<LibSQLDatabase>>();
        expectTypeOf(ctx.db).toEqualTypeOf<LibSQLDatabase>();
        return ctx.db.select().from(sqlitePosts).limit(input.limit);
      },
    });
    expectTypeOf(list.handler).returns.resolves.toMatchTypeOf<{ id: number; title: string }[]>();
    // Typed procedures are accepted by the resource option.
    const db = {} as LibSQLDatabase;
    expectTypeOf(useResource(sqlitePosts, { id: sqlitePosts.id, db, procedures: { list } })).not.toBeAny();
  });
});
