/**
 * The tables every database runs the resource suites against, in both dialects, with their DDL:
 * `people` for CRUD and queries; authors → profiles (hasOne), authors → posts (hasMany),
 * posts → comments (hasMany), posts ↔ tags through post_tags (manyToMany) for the rest.
 */
import { sqliteTable, text as sText, integer as sInteger, real, primaryKey as sPrimaryKey } from "drizzle-orm/sqlite-core";
import { pgTable, serial, text as pText, integer as pInteger, doublePrecision, boolean as pBoolean, timestamp, primaryKey as pPrimaryKey } from "drizzle-orm/pg-core";

export const sqlitePeople = sqliteTable("people", {
  id: sInteger("id").primaryKey({ autoIncrement: true }),
  name: sText("name").notNull(),
  email: sText("email").notNull(),
  role: sText("role").default("user"),
  age: sInteger("age"),
  score: real("score"),
  active: sInteger("active", { mode: "boolean" }).notNull().default(true),
  createdAt: sInteger("created_at", { mode: "timestamp_ms" }),
});

export const pgPeople = pgTable("people", {
  id: serial("id").primaryKey(),
  name: pText("name").notNull(),
  email: pText("email").notNull(),
  role: pText("role").default("user"),
  age: pInteger("age"),
  score: doublePrecision("score"),
  active: pBoolean("active").notNull().default(true),
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }),
});

export const sqliteAuthors = sqliteTable("authors", {
  id: sInteger("id").primaryKey({ autoIncrement: true }),
  name: sText("name").notNull(),
  email: sText("email"),
  orgId: sText("org_id"),
});
export const sqliteProfiles = sqliteTable("profiles", {
  id: sInteger("id").primaryKey({ autoIncrement: true }),
  authorId: sInteger("author_id").notNull().references(() => sqliteAuthors.id),
  bio: sText("bio").notNull(),
});
export const sqlitePosts = sqliteTable("posts", {
  id: sInteger("id").primaryKey({ autoIncrement: true }),
  authorId: sInteger("author_id").references(() => sqliteAuthors.id),
  title: sText("title").notNull(),
  status: sText("status").notNull().default("draft"),
  views: sInteger("views").notNull().default(0),
  amount: real("amount"),
  version: sInteger("version").notNull().default(1),
  updatedAt: sInteger("updated_at", { mode: "timestamp_ms" }),
  deletedAt: sInteger("deleted_at", { mode: "timestamp_ms" }),
});
export const sqliteComments = sqliteTable("comments", {
  id: sInteger("id").primaryKey({ autoIncrement: true }),
  postId: sInteger("post_id").notNull().references(() => sqlitePosts.id),
  body: sText("body").notNull(),
  approved: sInteger("approved", { mode: "boolean" }).notNull().default(false),
  ownerId: sText("owner_id"),
});
export const sqliteTags = sqliteTable("tags", {
  id: sInteger("id").primaryKey({ autoIncrement: true }),
  name: sText("name").notNull().unique(),
});
export const sqlitePostTags = sqliteTable(
  "post_tags",
  {
    postId: sInteger("post_id").notNull().references(() => sqlitePosts.id),
    tagId: sInteger("tag_id").notNull().references(() => sqliteTags.id),
  },
  (t) => [sPrimaryKey({ columns: [t.postId, t.tagId] })],
);

export const pgAuthors = pgTable("authors", {
  id: serial("id").primaryKey(),
  name: pText("name").notNull(),
  email: pText("email"),
  orgId: pText("org_id"),
});
export const pgProfiles = pgTable("profiles", {
  id: serial("id").primaryKey(),
  authorId: pInteger("author_id").notNull().references(() => pgAuthors.id),
  bio: pText("bio").notNull(),
});
export const pgPosts = pgTable("posts", {
  id: serial("id").primaryKey(),
  authorId: pInteger("author_id").references(() => pgAuthors.id),
  title: pText("title").notNull(),
  status: pText("status").notNull().default("draft"),
  views: pInteger("views").notNull().default(0),
  amount: doublePrecision("amount"),
  version: pInteger("version").notNull().default(1),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }),
  deletedAt: timestamp("deleted_at", { withTimezone: true, mode: "date" }),
});
export const pgComments = pgTable("comments", {
  id: serial("id").primaryKey(),
  postId: pInteger("post_id").notNull().references(() => pgPosts.id),
  body: pText("body").notNull(),
  approved: pBoolean("approved").notNull().default(false),
  ownerId: pText("owner_id"),
});
export const pgTags = pgTable("tags", {
  id: serial("id").primaryKey(),
  name: pText("name").notNull().unique(),
});
export const pgPostTags = pgTable(
  "post_tags",
  {
    postId: pInteger("post_id").notNull().references(() => pgPosts.id),
    tagId: pInteger("tag_id").notNull().references(() => pgTags.id),
  },
  (t) => [pPrimaryKey({ columns: [t.postId, t.tagId] })],
);

/** The relation tables of one dialect, by role. */
export interface BlogTables {
  authors: typeof sqliteAuthors | typeof pgAuthors;
  profiles: typeof sqliteProfiles | typeof pgProfiles;
  posts: typeof sqlitePosts | typeof pgPosts;
  comments: typeof sqliteComments | typeof pgComments;
  tags: typeof sqliteTags | typeof pgTags;
  postTags: typeof sqlitePostTags | typeof pgPostTags;
}

export const sqliteBlog = { authors: sqliteAuthors, profiles: sqliteProfiles, posts: sqlitePosts, comments: sqliteComments, tags: sqliteTags, postTags: sqlitePostTags };
export const pgBlog = { authors: pgAuthors, profiles: pgProfiles, posts: pgPosts, comments: pgComments, tags: pgTags, postTags: pgPostTags };

/** Children before parents, so deletes never break a foreign key. */
export const RESET_ORDER = ["post_tags", "comments", "profiles", "posts", "tags", "authors", "people"] as const;

/** SQLite statements that empty every table and restart its ids. */
export const SQLITE_RESET = [...RESET_ORDER.map((t) => `DELETE FROM ${t}`), "DELETE FROM sqlite_sequence"];

export const SQLITE_DDL = [
  ...["post_tags", "comments", "profiles", "posts", "tags", "authors", "people"].map((t) => `DROP TABLE IF EXISTS ${t}`),
  "CREATE TABLE people (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, email TEXT NOT NULL, role TEXT DEFAULT 'user', age INTEGER, score REAL, active INTEGER NOT NULL DEFAULT 1, created_at INTEGER)",
  "CREATE TABLE IF NOT EXISTS canary (id INTEGER PRIMARY KEY)",
  "CREATE TABLE authors (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, email TEXT, org_id TEXT)",
  "CREATE TABLE profiles (id INTEGER PRIMARY KEY AUTOINCREMENT, author_id INTEGER NOT NULL REFERENCES authors(id), bio TEXT NOT NULL)",
  "CREATE TABLE posts (id INTEGER PRIMARY KEY AUTOINCREMENT, author_id INTEGER REFERENCES authors(id), title TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'draft', views INTEGER NOT NULL DEFAULT 0, amount REAL, version INTEGER NOT NULL DEFAULT 1, updated_at INTEGER, deleted_at INTEGER)",
  "CREATE TABLE comments (id INTEGER PRIMARY KEY AUTOINCREMENT, post_id INTEGER NOT NULL REFERENCES posts(id), body TEXT NOT NULL, approved INTEGER NOT NULL DEFAULT 0, owner_id TEXT)",
  "CREATE TABLE tags (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE)",
  "CREATE TABLE post_tags (post_id INTEGER NOT NULL REFERENCES posts(id), tag_id INTEGER NOT NULL REFERENCES tags(id), PRIMARY KEY (post_id, tag_id))",
];

export const PG_DDL = (schema: string) => [
  `DROP SCHEMA IF EXISTS ${schema} CASCADE`,
  `CREATE SCHEMA ${schema}`,
  `CREATE TABLE ${schema}.people (id SERIAL PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, role TEXT DEFAULT 'user', age INTEGER, score DOUBLE PRECISION, active BOOLEAN NOT NULL DEFAULT TRUE, created_at TIMESTAMPTZ)`,
  `CREATE TABLE ${schema}.canary (id INTEGER PRIMARY KEY)`,
  `CREATE TABLE ${schema}.authors (id SERIAL PRIMARY KEY, name TEXT NOT NULL, email TEXT, org_id TEXT)`,
  `CREATE TABLE ${schema}.profiles (id SERIAL PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES ${schema}.authors(id), bio TEXT NOT NULL)`,
  `CREATE TABLE ${schema}.posts (id SERIAL PRIMARY KEY, author_id INTEGER REFERENCES ${schema}.authors(id), title TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'draft', views INTEGER NOT NULL DEFAULT 0, amount DOUBLE PRECISION, version INTEGER NOT NULL DEFAULT 1, updated_at TIMESTAMPTZ, deleted_at TIMESTAMPTZ)`,
  `CREATE TABLE ${schema}.comments (id SERIAL PRIMARY KEY, post_id INTEGER NOT NULL REFERENCES ${schema}.posts(id), body TEXT NOT NULL, approved BOOLEAN NOT NULL DEFAULT FALSE, owner_id TEXT)`,
  `CREATE TABLE ${schema}.tags (id SERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE)`,
  `CREATE TABLE ${schema}.post_tags (post_id INTEGER NOT NULL REFERENCES ${schema}.posts(id), tag_id INTEGER NOT NULL REFERENCES ${schema}.tags(id), PRIMARY KEY (post_id, tag_id))`,
];

/** PostgreSQL statement that empties every table and restarts its ids. */
export const PG_RESET = `TRUNCATE ${RESET_ORDER.join(", ")} RESTART IDENTITY CASCADE`;
