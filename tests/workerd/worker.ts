/**
 * Main Worker of the `workerd` test project (SELF / `exports.default`): a small Hono app over
 * the D1 binding, used by toolchain.test.ts to prove a request goes Worker → drizzle → D1.
 * Durable Object classes bound in wrangler.toml must also be exported from here. The /kv routes
 * use one KV store memoised at module scope across requests, as apps do (kv-durable-object.test.ts).
 */
import { drizzle } from "drizzle-orm/d1";
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { users } from "../../example/schema.js";
import { createDurableObjectHub, createDurableObjectKV, type DurableObjectKvStore } from "../../durable-objects/index.js";
import { createCovara, type CovaraApp } from "../../src/index.js";
import { sqlitePeople } from "../resources/schema.js";

export { ChangelogHub, CovaraKVDurableObject } from "../../durable-objects/index.js";

type Bindings = { DB: D1Database; COVARA_KV: DurableObjectNamespace; COVARA_HUB: DurableObjectNamespace };

/** Memoised across requests on purpose: the store derives a stub per operation. */
let kv: DurableObjectKvStore | undefined;

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

/** Runs `times` concurrent increments of `key` in this one request; answers the results. */
app.post("/kv/increment", async (c) => {
  kv ??= createDurableObjectKV(c.env.COVARA_KV, { prefix: "worker" });
  const store = kv;
  const key = c.req.query("key") ?? "counter";
  const times = Number(c.req.query("times") ?? "1");
  const results = await Promise.all(Array.from({ length: times }, () => store.increment(key)));
  return c.json({ results });
});

app.get("/kv/:key", async (c) => {
  kv ??= createDurableObjectKV(c.env.COVARA_KV, { prefix: "worker" });
  return c.json({ value: await kv.get(c.req.param("key")) });
});

/**
 * A Covara app over D1 whose realtime hub is the `ChangelogHub` DO (`/live/*`), built once per
 * isolate from `env` as spec 30 §5.1 shows; realtime.test.ts streams from it through SELF.
 */
let live: CovaraApp | undefined;
app.all("/live/*", (c) => {
  live ??= createCovara({ basePath: "/live/api", realtime: { hub: createDurableObjectHub(c.env.COVARA_HUB), sse: { heartbeatMs: 0 } } }).resource("/people", sqlitePeople, {
    id: sqlitePeople.id,
    db: drizzle(c.env.DB),
  });
  return live.fetch(c.req.raw, c.env, c.executionCtx);
});

export default app;
