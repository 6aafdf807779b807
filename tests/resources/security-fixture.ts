/**
 * The shared world of the security suites: two signed-in authors, A (id 1, org o1) and B (id 2,
 * org o2), plus C (id 3, org o1), each owning posts and comments, with owner scopes on posts and
 * comments, a masked column, soft delete, ETags, relations, nested writes and a procedure.
 */
import { asc } from "drizzle-orm";
import { createCovara, defineProcedure, rsql, type ResourceConfig, type UserContext } from "../../src/index.js";
import type { DbHarness } from "./harness.js";
import { headerAuth } from "./test-auth.js";

type Row = Record<string, any>;
type Over = Partial<Record<"posts" | "comments" | "authors", Partial<ResourceConfig>>>;

/** `x-user: <id>:<org>` signs in `{ id: <number>, org }`. */
export const signIn = headerAuth("org");
export const A = "1:o1";
export const B = "2:o2";
export const C = "3:o1";

/** Request init for `user` (null: anonymous) with a JSON body when given. */
export function as(user: string | null, method = "GET", body?: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method,
    headers: { "content-type": "application/json", ...(user ? { "x-user": user } : {}), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  };
}

/** Owner scopes: posts by `authorId`, comments by `ownerId` (text). */
export const ownPosts = (user: UserContext) => rsql`authorId==${user.id}`;
export const ownComments = (user: UserContext) => rsql`ownerId==${String(user.id)}`;

/** The rows every test starts from. Post 4 is A's, soft-deleted. */
export async function seed(h: DbHarness): Promise<void> {
  const b = h.blog as any;
  await h.reset();
  await h.db.insert(b.authors).values([
    { name: "Ann", email: "ann@x", orgId: "o1" },
    { name: "Bob", email: "bob@x", orgId: "o2" },
    { name: "Cat", email: "cat@x", orgId: "o1" },
  ]);
  await h.db.insert(b.posts).values([
    { authorId: 1, title: "A1", status: "open", views: 5, amount: 10 },
    { authorId: 1, title: "A2", status: "open", views: 7, amount: 20 },
    { authorId: 2, title: "B1", status: "open", views: 1, amount: 5 },
    { authorId: 1, title: "A-gone", status: "open", views: 2, amount: 1, deletedAt: new Date(1_700_000_000_000) },
  ]);
  await h.db.insert(b.comments).values([
    { postId: 1, body: "A on A1", ownerId: "1" },
    { postId: 3, body: "A on B1", ownerId: "1" },
    { postId: 1, body: "B on A1", ownerId: "2" },
    { postId: 3, body: "B on B1", ownerId: "2" },
  ]);
}

/** Every row of every blog table, ordered: what "nothing changed" is compared against. */
export async function snapshot(h: DbHarness): Promise<Row> {
  const b = h.blog as any;
  const all = (table: any) => h.db.select().from(table).orderBy(asc(table.id));
  return { authors: await all(b.authors), posts: await all(b.posts), comments: await all(b.comments) };
}

/** Ids in a list response. */
export const ids = (body: { items: Row[] }) => body.items.map((row) => row.id);

/**
 * The blog app with an auth adapter. Posts: owner scope for every operation, `amount` masked,
 * soft delete, version ETags, author/comments relations, nested writes and a `whoami` procedure.
 * Comments: owner scope, a `post` relation. Authors: readable by anyone signed in, `email` masked.
 */
export function blogApp(h: DbHarness, over: Over = {}) {
  const b = h.blog as any;
  return createCovara({ auth: { middleware: signIn } })
    .resource(b.posts, {
      id: b.posts.id,
      db: h.db,
      auth: { scope: ownPosts },
      fields: { readable: [b.posts.id, b.posts.authorId, b.posts.title, b.posts.status, b.posts.views, b.posts.version, b.posts.deletedAt] },
      softDelete: { field: b.posts.deletedAt },
      etag: { versionField: b.posts.version },
      nestedWrites: true,
      relations: {
        author: { resource: "authors", schema: b.authors, type: "belongsTo", foreignKey: b.posts.authorId, references: b.authors.id },
        comments: { resource: "comments", schema: b.comments, type: "hasMany", foreignKey: b.comments.postId, references: b.posts.id },
      } as any,
      procedures: {
        whoami: defineProcedure({
          handler: async (ctx) => ({ user: ctx.user ? ctx.user.id : null, posts: (await ctx.db.select().from(b.posts)).length }),
        }),
      },
      ...over.posts,
    })
    .resource(b.comments, {
      id: b.comments.id,
      db: h.db,
      auth: { scope: ownComments },
      relations: { post: { resource: "posts", schema: b.posts, type: "belongsTo", foreignKey: b.comments.postId, references: b.posts.id } } as any,
      ...over.comments,
    })
    .resource(b.authors, {
      id: b.authors.id,
      db: h.db,
      fields: { readable: [b.authors.id, b.authors.name, b.authors.orgId] },
      ...over.authors,
    });
}
