/**
 * A real Covara server over loopback for the client tests: a better-sqlite3 file with `todos` and
 * `users`, the in-memory hub (shared across restarts when passed in), optional auth, served by
 * `startServer` from the Node shim. Nothing is mocked: the client talks HTTP to it.
 */
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { createCovara, createMemoryHub, defineProcedure, type CovaraApp, type CovaraOptions, type HubBackend } from "../../src/index.js";
import { startServer, type RunningServer } from "../../node-shim/index.js";

export const todos = sqliteTable("todos", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  title: text("title").notNull(),
  done: integer("done", { mode: "boolean" }).notNull().default(false),
  position: integer("position").notNull().default(0),
  priority: integer("priority"),
  createdAt: integer("created_at", { mode: "timestamp_ms" }),
});

export const users = sqliteTable("users", {
  id: text("id").primaryKey().$defaultFn(() => crypto.randomUUID()),
  name: text("name").notNull(),
  email: text("email").notNull(),
  role: text("role").default("user"),
});

/** The row type the client sees for `todos` (timestamps travel as ISO strings). */
export interface Todo {
  id: number;
  title: string;
  done: boolean;
  position: number;
  priority: number | null;
  createdAt: string | null;
}

const DDL = [
  "CREATE TABLE todos (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0, position INTEGER NOT NULL DEFAULT 0, priority INTEGER, created_at INTEGER)",
  "CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, role TEXT DEFAULT 'user')",
];

/** A database file with both tables. */
export interface TestDb {
  db: BetterSQLite3Database;
  reset(): void;
  close(): void;
}

/** Opens a fresh database file. */
export function openDb(): TestDb {
  const dir = mkdtempSync(join(tmpdir(), "covara-client-"));
  const sqlite = new Database(join(dir, "test.db"));
  for (const statement of DDL) sqlite.exec(statement);
  return {
    db: drizzle(sqlite),
    reset() {
      sqlite.exec("DELETE FROM todos; DELETE FROM users; DELETE FROM sqlite_sequence");
    },
    close() {
      sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Options of `serve`. */
export interface ServeOptions {
  db: TestDb;
  hub?: HubBackend;
  port?: number;
  covara?: CovaraOptions;
  /** Extra setup before resources are mounted (auth routes, middleware). */
  configure?: (app: CovaraApp) => void;
}

/** A running server. */
export interface TestServer {
  app: CovaraApp;
  hub: HubBackend;
  server: RunningServer;
  port: number;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

/** Starts a Covara app with `/api/todos` and `/api/users` on a loopback port. */
export async function serve(options: ServeOptions): Promise<TestServer> {
  const hub = options.hub ?? createMemoryHub();
  const app = createCovara({ ...options.covara, realtime: { hub, sse: { heartbeatMs: 0, ...options.covara?.realtime?.sse } } });
  options.configure?.(app);
  app
    .resource("/todos", todos, {
      id: todos.id,
      db: options.db.db,
      procedures: {
        complete: defineProcedure({
          input: z.object({ id: z.number() }),
          output: z.object({ ok: z.boolean(), id: z.number() }),
          handler: async (_ctx, input) => ({ ok: true, id: input.id }),
        }),
      },
    })
    .resource("/users", users, { id: users.id, db: options.db.db });
  const server = await startServer(app, { port: options.port ?? 0, hostname: "127.0.0.1", gracefulShutdown: false, drainTimeoutMs: 1000 });
  return { app, hub, server, port: server.port, origin: `http://127.0.0.1:${server.port}`, close: () => server.close() };
}

/** Waits until `check` holds (polling), or fails after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A write made by another party: straight into the app, not through the client under test. */
export async function writeThroughApp(app: CovaraApp, method: string, path: string, body?: unknown): Promise<Response> {
  return app.request(path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
}
