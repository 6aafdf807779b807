/**
 * `npm start`: the example on Node with its embedded defaults — a SQLite file through
 * better-sqlite3 (the fastest Node driver measured here) and in-memory primitives.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { fileURLToPath } from "node:url";
import { startServer } from "../node-shim/index.js";
import { buildExampleApp } from "./app.js";
import { applyMigrations } from "./migrate.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const file = process.env.DB_FILE ?? resolve(root, ".data/example.db");
mkdirSync(dirname(file), { recursive: true });
const sqlite = new Database(file);
sqlite.pragma("journal_mode = WAL");
applyMigrations(sqlite, resolve(root, "migrations"));

const app = buildExampleApp(drizzle(sqlite));
// The live todo app (example/web, built by `npm start` with Vite): every path that is not the API.
const web = resolve(root, "example/web/dist");
if (existsSync(web)) {
  const assets = serveStatic({ root: relative(process.cwd(), web) });
  app.get("*", (c, next) => (c.req.path.startsWith("/api/") || c.req.path.startsWith("/__covara/") ? next() : assets(c, next)));
}
const port = Number(process.env.PORT ?? 8787);
await startServer(app, {
  port,
  hostname: process.env.HOST,
  onListen: ({ port }) => console.log(`Covara example on http://localhost:${port} (SQLite file ${file})`),
});
