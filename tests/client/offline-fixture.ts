/**
 * What the offline tests add to the client fixture: a `notes` resource with optimistic locking
 * (`etag: { versionField }`) and a unique slug, the idempotency middleware, a request log, and
 * switches that make the real server answer 503 or lose a response after committing. Also a
 * Web Storage stand-in for Node, which has no localStorage.
 */
import { sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { idempotencyMiddleware } from "../../src/index.js";
import { openDb, serve, type TestDb, type TestServer } from "./fixture.js";

export const notes = sqliteTable("notes", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  slug: text("slug").notNull().unique(),
  title: text("title").notNull(),
  body: text("body"),
  todoId: text("todo_id"),
  version: integer("version").notNull().default(1),
});

/** The row type of `notes` on the client. */
export interface Note {
  id: number;
  slug: string;
  title: string;
  body: string | null;
  todoId: string | null;
  version: number;
}

/** One request the server received. */
export interface LoggedRequest {
  method: string;
  path: string;
  body: unknown;
  idempotencyKey: string | null;
  optimisticId: string | null;
  ifMatch: string | null;
  status: number;
  at: number;
}

/** Server-side switches. */
export interface Faults {
  /** Answer this many matching writes with 503 before they reach the handler. */
  fail: number;
  /** Let this many matching writes commit, then answer 503 (the response is "lost"). */
  loseResponse: number;
  /** Which requests the switches apply to (default: every write). */
  match: (method: string, path: string) => boolean;
}

/** A server for offline tests. */
export interface OfflineServer {
  db: TestDb;
  server: TestServer;
  origin: string;
  log: LoggedRequest[];
  faults: Faults;
  /** Writes in flight right now, and the most ever seen at once. */
  concurrency: { now: number; max: number };
  /** Stops the server (the port then refuses connections). */
  stop(): Promise<void>;
  /** Starts it again on the same port and database. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const WRITE = new Set(["POST", "PATCH", "PUT", "DELETE"]);

/** Starts the server with `todos`, `users` and `notes`. */
export async function serveOffline(): Promise<OfflineServer> {
  const db = openDb();
  db.db.run(sql`CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, slug TEXT NOT NULL UNIQUE, title TEXT NOT NULL, body TEXT, todo_id TEXT, version INTEGER NOT NULL DEFAULT 1)`);
  const log: LoggedRequest[] = [];
  const faults: Faults = { fail: 0, loseResponse: 0, match: () => true };
  const concurrency = { now: 0, max: 0 };
  let port = 0;
  const start = async () => {
    const server = await serve({
      db,
      port,
      configure(app) {
        app.use("/api/*", async (c, next) => {
          const method = c.req.method;
          if (!WRITE.has(method)) return next();
          const path = new URL(c.req.url).pathname;
          const text = await c.req.raw.clone().text();
          const entry: LoggedRequest = {
            method,
            path,
            body: text ? JSON.parse(text) : undefined,
            idempotencyKey: c.req.header("x-idempotency-key") ?? null,
            optimisticId: c.req.header("x-covara-optimistic-id") ?? null,
            ifMatch: c.req.header("if-match") ?? null,
            status: 0,
            at: Date.now(),
          };
          log.push(entry);
          const faulty = faults.match(method, path);
          if (faulty && faults.fail > 0) {
            faults.fail--;
            entry.status = 503;
            return c.json({ type: "/__covara/problems/internal-error", title: "Unavailable", status: 503, code: "SERVICE_UNAVAILABLE" }, 503);
          }
          concurrency.now++;
          concurrency.max = Math.max(concurrency.max, concurrency.now);
          try {
            await next();
          } finally {
            concurrency.now--;
          }
          entry.status = c.res.status;
          if (faulty && faults.loseResponse > 0 && c.res.status < 300) {
            faults.loseResponse--;
            entry.status = 503;
            c.res = new Response(JSON.stringify({ title: "Lost", status: 503 }), { status: 503, headers: { "content-type": "application/problem+json" } });
          }
        });
        app.use("/api/*", idempotencyMiddleware());
        app.resource("/notes", notes, { id: notes.id, db: db.db, etag: { versionField: "version" } });
      },
    });
    port = server.port;
    return server;
  };
  const handle: OfflineServer = {
    db,
    server: await start(),
    origin: "",
    log,
    faults,
    concurrency,
    stop: () => handle.server.close(),
    async restart() {
      handle.server = await start();
    },
    async close() {
      await handle.server.close().catch(() => undefined);
      db.close();
    },
  };
  handle.origin = handle.server.origin;
  return handle;
}

/** A Web Storage (`localStorage`) in memory, for runtimes without one. */
export class MemoryStorage {
  readonly #items = new Map<string, string>();
  get length(): number {
    return this.#items.size;
  }
  key(index: number): string | null {
    return [...this.#items.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.#items.set(key, String(value));
  }
  removeItem(key: string): void {
    this.#items.delete(key);
  }
  clear(): void {
    this.#items.clear();
  }
}

/** Puts `value` on `globalThis[name]` and returns the function that restores what was there. */
export function setGlobal(name: string, value: unknown): () => void {
  const before = Object.getOwnPropertyDescriptor(globalThis, name);
  Object.defineProperty(globalThis, name, { configurable: true, writable: true, value });
  return () => {
    if (before) Object.defineProperty(globalThis, name, before);
    else delete (globalThis as Record<string, unknown>)[name];
  };
}

/** Waits `ms`. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
