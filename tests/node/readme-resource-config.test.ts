/**
 * The product README's "Resource Configuration" example, written as the README writes it (batch
 * limits, pagination, rate limit, `etag: { versionField: "version" }`, public-read auth with rsql
 * scopes, belongsTo + hasMany relations, an onBeforeCreate hook and a zod procedure), served on a
 * real SQLite file and exercised the way a client would.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { eq } from "drizzle-orm";
import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";
import { z } from "zod";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCovara, defineProcedure, rsql } from "../../src/index.js";

const usersTable = sqliteTable("users", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
});
const postsTable = sqliteTable("posts", {
  id: text("id").primaryKey(),
  authorId: text("author_id").notNull(),
  title: text("title").notNull(),
  published: integer("published", { mode: "boolean" }).notNull().default(false),
  version: integer("version").notNull().default(1),
  createdAt: integer("created_at", { mode: "timestamp_ms" }),
});
const commentsTable = sqliteTable("comments", {
  id: text("id").primaryKey(),
  postId: text("post_id").notNull(),
  body: text("body").notNull(),
});

describe("README: resource configuration", () => {
  let dir: string;
  let sqlite: Database.Database;
  let app: ReturnType<typeof createCovara>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "covara-readme-"));
    sqlite = new Database(join(dir, "app.db"));
    sqlite.exec(`CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT NOT NULL);
      CREATE TABLE posts (id TEXT PRIMARY KEY, author_id TEXT NOT NULL, title TEXT NOT NULL, published INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 1, created_at INTEGER);
      CREATE TABLE comments (id TEXT PRIMARY KEY, post_id TEXT NOT NULL, body TEXT NOT NULL);
      INSERT INTO users VALUES ('u1', 'Ada'), ('u2', 'Grace');
      INSERT INTO comments VALUES ('c1', 'p1', 'first'), ('c2', 'p1', 'second');`);
    const db = drizzle(sqlite);
    app = createCovara({
      // Stand-in for an auth adapter: `x-user` names the signed-in user.
      auth: {
        middleware: async (c, next) => {
          const id = c.req.header("x-user");
          c.set("user", id ? { id } : null);
          await next();
        },
      },
    })
      .resource("/users", usersTable, { id: usersTable.id, db, auth: { public: { read: true } } })
      .resource("/comments", commentsTable, { id: commentsTable.id, db, auth: { public: { read: true } } })
      // As the README writes it, from here on.
      .resource("/posts", postsTable, {
        id: postsTable.id,
        db,
        // Batch operation limits
        batch: { create: 100, update: 100, delete: 100 },
        // Pagination settings
        pagination: { defaultLimit: 20, maxLimit: 100 },
        // Rate limiting
        rateLimit: { windowMs: 60000, maxRequests: 100 },
        // Optimistic locking (ETag / If-Match)
        etag: { versionField: "version" },
        // Authorization scopes (row-level security via RSQL)
        auth: {
          public: { read: true },
          update: async (user) => rsql`authorId==${user.id}`,
          delete: async (user) => rsql`authorId==${user.id}`,
        },
        // Relations
        relations: {
          author: {
            resource: "users",
            schema: usersTable,
            type: "belongsTo",
            foreignKey: postsTable.authorId,
            references: usersTable.id,
          },
          comments: {
            resource: "comments",
            schema: commentsTable,
            type: "hasMany",
            foreignKey: commentsTable.postId,
            references: postsTable.id,
          },
        },
        // Lifecycle hooks
        hooks: {
          onBeforeCreate: async (ctx, data) => ({ ...data, createdAt: new Date() }),
        },
        // RPC procedures
        procedures: {
          publish: defineProcedure({
            input: z.object({ id: z.string() }),
            output: z.object({ success: z.boolean() }),
            handler: async (ctx, input) => {
              await db.update(postsTable).set({ published: true }).where(eq(postsTable.id, input.id));
              return { success: true };
            },
          }),
        },
      });
  });

  afterAll(() => {
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const as = (user: string, method: string, body?: unknown, headers: Record<string, string> = {}) => ({
    method,
    headers: { "content-type": "application/json", "x-user": user, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

  it("creates through the hook, reads publicly with includes, and guards writes with scopes and ETags", async () => {
    const created = await app.request("/api/posts", as("u1", "POST", { id: "p1", authorId: "u1", title: "Hello" }));
    expect(created.status).toBe(201);
    expect(created.headers.get("etag")).toBe('"1"');
    expect(typeof (await created.json()).createdAt).toBe("string");

    const read = await app.request("/api/posts/p1?include=author,comments");
    expect(read.status).toBe(200);
    const post = await read.json();
    expect(post.author).toEqual({ id: "u1", name: "Ada" });
    expect(post.comments.map((c: { id: string }) => c.id).sort()).toEqual(["c1", "c2"]);

    // Another user's update falls outside the scope: the row does not exist for them.
    expect((await app.request("/api/posts/p1", as("u2", "PATCH", { title: "Mine now" }))).status).toBe(404);
    const stale = await app.request("/api/posts/p1", as("u1", "PATCH", { title: "v2" }, { "if-match": '"7"' }));
    expect(stale.status).toBe(412);
    expect((await stale.json()).currentETag).toBe('"1"');
    const fresh = await app.request("/api/posts/p1", as("u1", "PATCH", { title: "v2" }, { "if-match": '"1"' }));
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get("etag")).toBe('"2"');
  });

  it("runs the publish procedure with zod-validated input and output", async () => {
    const bad = await app.request("/api/posts/rpc/publish", as("u1", "POST", { id: 5 }));
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors[0].path).toBe("id");
    const ok = await app.request("/api/posts/rpc/publish", as("u1", "POST", { id: "p1" }));
    expect(await ok.json()).toEqual({ data: { success: true } });
    expect((await (await app.request("/api/posts/p1")).json()).published).toBe(true);
  });

  it("enforces the batch limit and answers rate-limit headers", async () => {
    const items = Array.from({ length: 101 }, (_, i) => ({ id: `b${i}`, authorId: "u1", title: `t${i}` }));
    const res = await app.request("/api/posts/batch", as("u1", "POST", { items }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "BATCH_LIMIT_EXCEEDED", limit: 100, requested: 101 });
    expect(res.headers.get("x-ratelimit-limit")).toBe("100");
  });
});
