// The example's users resource served by Covara from the built package (dist/), for the HTTP and
// SSE benchmarks. Env: PORT, HOST, DB_FILE (required), DRIVER (better-sqlite3 | libsql);
// HUB (memory | redis; unset: the app's default hub), REDIS_URL, REDIS_PREFIX (redis only).
import { createCovara, createMemoryHub } from "../dist/src/index.js";
import { startServer } from "../dist/node-shim/index.js";
import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";
import { installMemoryReport } from "./lib/memory-report.mjs";

installMemoryReport();

const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  email: text("email").notNull(),
  role: text("role").default("user"),
  age: integer("age"),
  createdAt: integer("created_at"),
});

const { DB_FILE, DRIVER = "better-sqlite3", PORT = "3000", HOST = "127.0.0.1", HUB, REDIS_URL, REDIS_PREFIX } = process.env;
if (!DB_FILE) throw new Error("DB_FILE is required");

async function openDb() {
  if (DRIVER === "better-sqlite3") {
    const { default: Database } = await import("better-sqlite3");
    const { drizzle } = await import("drizzle-orm/better-sqlite3");
    return drizzle(new Database(DB_FILE));
  }
  const { createClient } = await import("@libsql/client");
  const { drizzle } = await import("drizzle-orm/libsql");
  return drizzle(createClient({ url: `file:${DB_FILE}` }));
}

async function openHub() {
  if (HUB === undefined || HUB === "") return undefined;
  if (HUB === "memory") return createMemoryHub();
  if (HUB === "redis") {
    // Imported only here: the HTTP benchmark never loads ioredis.
    const { createRedisHub } = await import("../dist/node-shim/redis/hub.js");
    return createRedisHub({ url: REDIS_URL, prefix: REDIS_PREFIX });
  }
  throw new Error(`HUB must be memory or redis, not ${HUB}`);
}

const hub = await openHub();
// Every fan-out subscriber comes from 127.0.0.1 without signing in: the per-IP limit (default
// 50) would refuse all but the first 50. Heartbeats keep their default.
const realtime = hub ? { hub, sse: { maxSubscriptionsPerIP: 100_000, maxTotalSubscriptions: 100_000 } } : undefined;
const app = createCovara({ securityHeaders: process.env.SECURITY_HEADERS !== "0", health: process.env.HEALTH !== "0", realtime }).resource("/users", users, { id: users.id, db: await openDb() });
await startServer(app, { port: Number(PORT), hostname: HOST, gracefulShutdown: false });
console.log(`covara (${DRIVER}${hub ? `, ${hub.kind} hub` : ""}) listening on http://${HOST}:${PORT}`);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    // Give the Redis hub its chance to release slots and close its sockets; never hang on it.
    setTimeout(() => process.exit(0), 2000).unref();
    Promise.resolve(hub?.close()).finally(() => process.exit(0));
  });
}
