// The example's users resource served by Covara from the built package (dist/), for the HTTP
// benchmark. Env: PORT, HOST, DB_FILE (required), DRIVER (better-sqlite3 | libsql).
import { createCovara } from "../dist/src/index.js";
import { startServer } from "../dist/node-shim/index.js";
import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";

const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  email: text("email").notNull(),
  role: text("role").default("user"),
  age: integer("age"),
  createdAt: integer("created_at"),
});

const { DB_FILE, DRIVER = "better-sqlite3", PORT = "3000", HOST = "127.0.0.1" } = process.env;
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

const app = createCovara({ securityHeaders: process.env.SECURITY_HEADERS !== "0", health: process.env.HEALTH !== "0" }).resource("/users", users, { id: users.id, db: await openDb() });
await startServer(app, { port: Number(PORT), hostname: HOST, gracefulShutdown: false });
console.log(`covara (${DRIVER}) listening on http://${HOST}:${PORT}`);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
