/** RPC procedures (spec 10 §13) and raw Zod errors from user code, on every database. */
import { describe, it, expect, beforeEach } from "vitest";
import { eq, getTableName } from "drizzle-orm";
import { z } from "zod";
import * as zm from "zod/mini";
import { ConflictError, createCovara, defineProcedure, isTrackedDb, UnauthorizedError, useResource, type ResourceConfig } from "../../src/index.js";
import type { DbHarness } from "./harness.js";
import { headerAuth } from "./test-auth.js";

const signIn = headerAuth();

const post = (body?: string, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  ...(body === undefined ? {} : { body }),
  headers: { "content-type": "application/json", ...headers },
});

export function proceduresSuite(getHarness: () => DbHarness) {
  describe("RPC procedures", () => {
    let h: DbHarness;
    let app: ReturnType<typeof createCovara>;
    const posts = () => h.blog.posts;

    const procedures = (): NonNullable<ResourceConfig["procedures"]> => ({
      // Writes through ctx.db; the result is visible through GET /:id.
      publish: defineProcedure({
        input: z.object({ id: z.number().int(), views: z.number().int().min(0).optional() }),
        output: z.object({ id: z.number(), status: z.string(), views: z.number() }),
        handler: async (ctx, input) => {
          if (!ctx.user) throw new UnauthorizedError("Sign in to publish");
          const table = posts();
          const [row] = await ctx.db
            .update(table)
            .set({ status: "published", ...(input.views === undefined ? {} : { views: input.views }) })
            .where(eq(table.id, input.id))
            .returning();
          if (!row) throw new ConflictError(`Post ${input.id} does not exist`);
          return { id: row.id, status: row.status, views: row.views };
        },
      }),
      echo: defineProcedure({ handler: (_ctx, input) => ({ received: input }) }),
      context: defineProcedure({
        handler: (ctx) => ({
          table: getTableName(ctx.schema),
          user: ctx.user,
          isRequest: ctx.req instanceof Request,
          path: ctx.context.req.path,
          // ctx.db is the configured db, tracked for this resource (spec 20 §12).
          hasDb: isTrackedDb(ctx.db) && ctx.db.withoutTracking((raw: unknown) => raw) === h.db,
        }),
      }),
      nothing: defineProcedure({ handler: () => undefined }),
      handwritten: defineProcedure({
        input: {
          parse(value: unknown) {
            if (typeof (value as { n?: unknown }).n !== "number") throw new Error("n must be a number");
            return value as { n: number };
          },
        },
        handler: (_ctx, input) => input.n * 2,
      }),
      badOutput: defineProcedure({ output: z.object({ n: z.number() }), handler: () => ({ n: "not a number" }) as unknown as { n: number } }),
      throwsZod: defineProcedure({ handler: () => z.object({ age: z.number() }).parse({ age: "old" }) }),
      throwsZodMini: defineProcedure({ handler: () => zm.string().parse(42) }),
      conflict: defineProcedure({ handler: () => { throw new ConflictError("Already done", { reason: "duplicate" }); } }),
      crash: defineProcedure({ handler: () => { throw new Error("database exploded"); } }),
      create: defineProcedure({
        input: z.object({ title: z.string() }),
        handler: async (ctx, input) => {
          await ctx.db.insert(posts()).values({ title: input.title });
          return { ok: true };
        },
      }),
    });

    const rows = async () => (await h.db.select().from(posts()).orderBy(posts().id)) as Record<string, unknown>[];
    const call = async (name: string, body?: string, headers: Record<string, string> = {}) => {
      const res = await app.request(`/api/posts/rpc/${name}`, post(body, headers));
      return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as any };
    };

    beforeEach(async () => {
      h = getHarness();
      await h.reset();
      await h.db.insert(posts()).values([{ title: "first" }, { title: "second" }]);
      app = createCovara({ auth: { middleware: signIn } }).resource("/posts", posts(), { id: posts().id, db: h.db, auth: { public: true }, procedures: procedures(), bodyLimit: 256 });
    });

    it("runs a procedure that writes through ctx.db; the change shows through GET", async () => {
      const [first] = await rows();
      const res = await call("publish", JSON.stringify({ id: first!.id, views: 9 }), { "x-user": "7" });
      expect(res.status).toBe(200);
      expect(res.type).toContain("application/json");
      expect(res.body).toEqual({ data: { id: first!.id, status: "published", views: 9 } });
      const read = await (await app.request(`/api/posts/${first!.id}`)).json();
      expect(read).toMatchObject({ status: "published", views: 9 });
      expect((await rows())[1]).toMatchObject({ status: "draft", views: 0 });
    });

    it("leaves auth to the handler: a thrown ResourceError keeps its status", async () => {
      const [first] = await rows();
      const anonymous = await call("publish", JSON.stringify({ id: first!.id }));
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toMatchObject({ code: "UNAUTHORIZED", detail: "Sign in to publish" });
      const conflict = await call("publish", JSON.stringify({ id: 999_999 }), { "x-user": "7" });
      expect(conflict.status).toBe(409);
      expect((await call("conflict")).body).toMatchObject({ status: 409, code: "CONFLICT", reason: "duplicate" });
      expect((await rows()).map((r) => r.status)).toEqual(["draft", "draft"]);
    });

    it("rejects invalid input with 400 Invalid procedure input, listing paths, and writes nothing", async () => {
      const res = await call("publish", JSON.stringify({ id: "one", views: -1 }), { "x-user": "7" });
      expect(res.status).toBe(400);
      expect(res.type).toContain("application/problem+json");
      expect(res.body).toMatchObject({ type: "/__covara/problems/validation-error", code: "VALIDATION_ERROR", detail: "Invalid procedure input" });
      expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["id", "views"]);
      for (const error of res.body.errors) expect(typeof error.message).toBe("string");
      const handwritten = await call("handwritten", JSON.stringify({ n: "x" }));
      expect(handwritten.status).toBe(400);
      expect(handwritten.body.errors).toEqual([{ path: "", message: "n must be a number" }]);
      expect((await call("handwritten", JSON.stringify({ n: 21 }))).body).toEqual({ data: 42 });
      expect((await rows()).map((r) => r.status)).toEqual(["draft", "draft"]);
    });

    it("reads the body as JSON: empty is {}, invalid JSON is 400, oversized is 413", async () => {
      expect((await call("echo")).body).toEqual({ data: { received: {} } });
      expect((await call("echo", "")).body).toEqual({ data: { received: {} } });
      expect((await call("echo", JSON.stringify([1, "two", null]))).body).toEqual({ data: { received: [1, "two", null] } });
      const invalid = await call("echo", "{not json");
      expect(invalid.status).toBe(400);
      expect(invalid.body).toMatchObject({ code: "VALIDATION_ERROR", detail: "Request body is not valid JSON" });
      const big = await call("create", JSON.stringify({ title: "x".repeat(300) }));
      expect(big.status).toBe(413);
      expect((await rows()).length).toBe(2);
    });

    it("passes the hook context: db, schema, user, request and Hono context", async () => {
      const res = await call("context", undefined, { "x-user": "3" });
      expect(res.body).toEqual({ data: { table: "posts", user: { id: 3 }, isRequest: true, path: "/api/posts/rpc/context", hasDb: true } });
      expect((await call("nothing")).body).toEqual({ data: null });
    });

    it("answers 500 OUTPUT_VALIDATION_ERROR when the output fails its schema", async () => {
      const res = await call("badOutput");
      expect(res.status).toBe(500);
      expect(res.type).toContain("application/problem+json");
      expect(res.body).toMatchObject({ type: "/__covara/problems/unknown-error", code: "OUTPUT_VALIDATION_ERROR", status: 500 });
    });

    it("renders a raw Zod error thrown by user code as 400 validation-error", async () => {
      for (const name of ["throwsZod", "throwsZodMini"]) {
        const res = await call(name);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ type: "/__covara/problems/validation-error", code: "VALIDATION_ERROR", detail: "Request validation failed" });
      }
      expect((await call("throwsZod")).body.errors).toEqual([{ field: "age", message: expect.any(String) }]);
      // Anywhere in the app, not only in procedures.
      const custom = createCovara();
      custom.get("/custom", () => {
        z.object({ items: z.array(z.string()) }).parse({ items: ["a", 2] });
        return new Response("unreachable");
      });
      const res = await custom.request("/custom");
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "VALIDATION_ERROR", detail: "Request validation failed", errors: [{ field: "items.1" }] });
    });

    it("turns other handler errors into 500 internal-error", async () => {
      const res = await call("crash");
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ type: "/__covara/problems/internal-error", code: "INTERNAL_ERROR" });
    });

    it("answers 404 for unknown procedures, prototype names and resources without procedures", async () => {
      for (const name of ["nosuch", "constructor", "__proto__", "toString"]) {
        const res = await call(name);
        expect(res.status, name).toBe(404);
        expect(res.body.code).toBe("NOT_FOUND");
      }
      expect((await app.request("/api/posts/rpc/echo")).status).toBe(404);
      const plain = createCovara().resource("/posts", posts(), { id: posts().id, db: h.db });
      expect((await plain.request("/api/posts/rpc/echo", post("{}"))).status).toBe(404);
    });

    it("works on a plain useResource router and applies the resource's rate limit", async () => {
      const router = useResource(posts(), { id: posts().id, db: h.db, procedures: { echo: procedures().echo! }, rateLimit: { maxRequests: 2, windowMs: 60_000 } });
      const send = () => router.request("/rpc/echo", post(JSON.stringify({ n: 1 })));
      expect(await (await send()).json()).toEqual({ data: { received: { n: 1 } } });
      expect((await send()).status).toBe(200);
      expect((await send()).status).toBe(429);
    });
  });
}
