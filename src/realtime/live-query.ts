/**
 * The database side of one subscription: snapshot pages, the ids currently matching, and the
 * presentation of row images (computed fields, `fields.readable` mask, includes loaded as the
 * subscriber). Everything a subscription asks of its resource goes through here, so the
 * subscription state machine stays free of Drizzle.
 * @module
 */
import { and, asc, gt, inArray, type SQL } from "drizzle-orm";
import type { Context } from "hono";
import { cursorValue, idFromPath, INVALID } from "../resource/coerce.js";
import type { IncludeLoader } from "../resource/relations/index.js";
import type { LiveMatcher, ResourceRuntime } from "../resource/runtime.js";
import { forgetScopes, SESSION_CHECK } from "../resource/scope.js";

type Row = Record<string, unknown>;

/** Ids per `IN (…)` list: D1 binds at most 100 parameters per statement. */
const ID_CHUNK = 90;

/** What a subscription needs from its resource, bound to one subscriber. */
export interface LiveQuery {
  readonly matcher: LiveMatcher;
  /** Session expiry of the captured user (epoch ms), if any. */
  readonly expiresAt: number | undefined;
  /** Matching rows with id > `after`, ascending by id. */
  page(after: unknown, limit: number): Promise<Row[]>;
  /** Ids (as strings) of matching rows, among `ids` when given, else all. */
  matchingIds(ids?: Iterable<string>): Promise<Set<string>>;
  /** Matching rows among `ids`. */
  rowsByIds(ids: Iterable<string>): Promise<Row[]>;
  /** JSON-ready bodies of row images (revived, computed, masked, with includes). */
  present(rows: Row[]): Promise<Row[]>;
  idOf(row: Row): string;
  /** The last id of a page, for the next `page` call. */
  keyOf(row: Row): unknown;
  /** Re-resolves the scope for the captured user; a new query when the predicate may have changed. */
  recheck(): Promise<LiveQuery | undefined>;
  /**
   * Whether the subscriber's credentials still authenticate (a revoked session does not); undefined
   * when the request carried none to check.
   */
  readonly sessionAlive: (() => Promise<boolean>) | undefined;
}

/** Builds the live query of a subscriber (`c` is captured: scopes are re-resolved with it). */
export async function liveQuery(rt: ResourceRuntime, c: Context, filter: string | undefined, include: string | undefined, includes: IncludeLoader): Promise<LiveQuery> {
  const matcher = await rt.liveMatcher(c, filter);
  // A bad include is a 400 before the stream opens.
  await includes(c, include, [], []);
  return bind(rt, c, matcher, filter, include, includes);
}

function bind(rt: ResourceRuntime, c: Context, matcher: LiveMatcher, filter: string | undefined, include: string | undefined, includes: IncludeLoader): LiveQuery {
  const { model, db } = rt;
  const { table, idColumn, idKey, columns, keys } = model;
  const where = matcher.where;
  const user = c.get("user" as never) as { sessionExpiresAt?: unknown } | null | undefined;
  const expiry = user?.sessionExpiresAt;
  const expiresAt = expiry instanceof Date ? expiry.getTime() : typeof expiry === "number" ? expiry : undefined;

  const typedIds = (ids: Iterable<string>): unknown[] => {
    const out: unknown[] = [];
    for (const raw of ids) {
      const id = idFromPath(idColumn, raw);
      if (id !== INVALID) out.push(id);
    }
    return out;
  };
  const both = (extra: SQL | undefined): SQL | undefined => (where && extra ? and(where, extra) : where ?? extra);
  const inChunks = async <T>(ids: Iterable<string>, run: (chunk: unknown[]) => Promise<T[]>): Promise<T[]> => {
    const all = typedIds(ids);
    const out: T[] = [];
    for (let i = 0; i < all.length; i += ID_CHUNK) out.push(...(await run(all.slice(i, i + ID_CHUNK))));
    return out;
  };

  const query: LiveQuery = {
    matcher,
    expiresAt,
    sessionAlive: c.get(SESSION_CHECK as never) as (() => Promise<boolean>) | undefined,
    async page(after, limit) {
      if (matcher.deny) return [];
      return db.select().from(table).where(both(after === undefined ? undefined : gt(idColumn, after))).orderBy(asc(idColumn)).limit(limit);
    },
    async matchingIds(ids) {
      if (matcher.deny) return new Set();
      const pick = { id: idColumn };
      if (ids) {
        const rows = await inChunks<Row>(ids, (chunk) => db.select(pick).from(table).where(both(inArray(idColumn, chunk))));
        return new Set(rows.map((r: Row) => String(r.id)));
      }
      const found = new Set<string>();
      let after: unknown;
      for (;;) {
        const rows: Row[] = await db.select(pick).from(table).where(both(after === undefined ? undefined : gt(idColumn, after))).orderBy(asc(idColumn)).limit(5000);
        for (const r of rows) found.add(String(r.id));
        if (rows.length < 5000) return found;
        after = rows[rows.length - 1]!.id;
      }
    },
    async rowsByIds(ids) {
      if (matcher.deny) return [];
      return inChunks(ids, (chunk) => db.select().from(table).where(both(inArray(idColumn, chunk))));
    },
    async present(rows) {
      // Images that crossed a wire carry dates and bigints as text: give computed fields the
      // values a GET would.
      const revived = rows.map((row) => {
        const out: Row = { ...row };
        for (const key of keys) if (key in row) out[key] = cursorValue(columns[key]!, row[key]);
        return out;
      });
      const bodies = revived.map((row) => rt.present(row));
      const loading = includes(c, include, revived, bodies);
      if (loading) await loading;
      return bodies;
    },
    idOf: (row) => String(row[idKey]),
    keyOf: (row) => row[idKey],
    async recheck() {
      // The request's scope memo holds connect-time answers; ask the scope functions again.
      forgetScopes(c);
      const next = await rt.liveMatcher(c, filter);
      if (next.scopeText === matcher.scopeText && next.test !== undefined) return undefined;
      return bind(rt, c, next, filter, include, includes);
    },
  };
  return query;
}
