/**
 * Proves the workerd toolchain: inside workerd, the D1 binding works through drizzle, a Hono
 * app answers `app.request()`, and the main Worker answers `exports.default.fetch()` end to end.
 */
import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { users } from "../../example/schema.js";

describe("workerd toolchain", () => {
  it("runs in workerd, not Node", () => {
    expect(navigator.userAgent).toBe("Cloudflare-Workers");
  });

  it("has the migrated tables in the D1 binding", async () => {
    const { results } = await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('users', 'todos') ORDER BY name",
    ).all<{ name: string }>();
    expect(results.map((r) => r.name)).toEqual(["todos", "users"]);
  });

  it("inserts with drizzle(env.DB) .returning() and selects the row back", async () => {
    const db = drizzle(env.DB);
    const [inserted] = await db
      .insert(users)
      .values({ name: "Ada", email: "ada@example.com", age: 36, createdAt: 1_700_000_000 })
      .returning();
    expect(inserted).toMatchObject({ name: "Ada", email: "ada@example.com", role: "user", age: 36 });
    expect(inserted?.id).toBeTypeOf("number");

    const rows = await db.select().from(users).where(eq(users.id, inserted!.id));
    expect(rows).toEqual([
      {
        id: inserted!.id,
        name: "Ada",
        email: "ada@example.com",
        role: "user",
        age: 36,
        createdAt: 1_700_000_000,
      },
    ]);
  });

  it("serves a Hono app through app.request() with the D1 binding", async () => {
    const app = new Hono<{ Bindings: { DB: D1Database } }>();
    app.get("/by-email/:email", async (c) => {
      const rows = await drizzle(c.env.DB)
        .select({ name: users.name, role: users.role })
        .from(users)
        .where(eq(users.email, c.req.param("email")));
      return c.json(rows);
    });
    await drizzle(env.DB).insert(users).values({ name: "Bo", email: "bo@example.com", role: "admin" });

    const res = await app.request("/by-email/bo@example.com", {}, { DB: env.DB });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([{ name: "Bo", role: "admin" }]);
  });

  it("round-trips a row through the main Worker (exports.default.fetch)", async () => {
    const created = await exports.default.fetch("http://covara.test/users", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Cy", email: "cy@example.com" }),
    });
    expect(created.status).toBe(201);
    const row = await created.json<{ id: number; name: string; role: string }>();
    expect(row).toMatchObject({ name: "Cy", role: "user" });

    const fetched = await exports.default.fetch(`http://covara.test/users/${row.id}`);
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toMatchObject({ id: row.id, name: "Cy", email: "cy@example.com" });

    const missing = await exports.default.fetch("http://covara.test/users/999999");
    expect(missing.status).toBe(404);
  });
});
