/**
 * Main Worker of the `workerd` test project (SELF / `exports.default`): a small Hono app over
 * the D1 binding, used by toolchain.test.ts to prove a request goes Worker → drizzle → D1.
 * Durable Object classes bound in wrangler.toml must also be exported from here.
 */
import { drizzle } from "drizzle-orm/d1";
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { users } from "../../example/schema.js";

type Bindings = { DB: D1Database };

const app = new Hono<{ Bindings: Bindings }>();

app.get("/health", (c) => c.json({ ok: true }));

app.post("/users", async (c) => {
  const body = await c.req.json<{ name: string; email: string }>();
  const [row] = await drizzle(c.env.DB).insert(users).values(body).returning();
  return c.json(row, 201);
});

app.get("/users/:id", async (c) => {
  const id = Number(c.req.param("id"));
  const [row] = await drizzle(c.env.DB).select().from(users).where(eq(users.id, id));
  return row ? c.json(row) : c.json({ code: "NOT_FOUND" }, 404);
});

export default app;
