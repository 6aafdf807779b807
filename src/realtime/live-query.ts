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

/**
 * Builds the live query of a subscriber. `c` is kept only while something may ask for it again:
 * a scope to re-resolve (the resource has `auth`, or the request a session to recheck) or
 * relations loaded as the subscriber (`include`, eager relations). Otherwise the request's
 * context (and everything it holds) is released once the stream is open: an idle subscriber of
 * an open resource holds a few fields, not a Hono context.
 */
export async function liveQuery(rt: ResourceRuntime, c: Context, filter: string | undefined, include: string | undefined, includes: IncludeLoader): Promise<LiveQuery> {
  const matcher = await rt.liveMatcher(c, filter);
  // A bad include is a 400 before the stream opens.
  await includes(c, include, [], []);
  return new BoundQuery(rt, c, matcher, filter, include, includes);
}

/**
 * Whether every subscriber of `rt` sees the same body for a row: no relation is loaded as the
 * subscriber (no `include`, no eager relation), so live bodies can be built once per entry.
 */
export function presentsAlike(rt: ResourceRuntime, include: string | undefined): boolean {
  if (include !== undefined && include.trim() !== "") return false;
  return !Object.values(rt.config.relations ?? {}).some((relation) => relation.strategy === "eager");
}

/** Whether a subscriber's context is ever needed after connect (see `liveQuery`). */
function needsContext(rt: ResourceRuntime, c: Context, include: string | undefined): boolean {
  return rt.config.auth !== undefined || c.get(SESSION_CHECK as never) !== undefined || !presentsAlike(rt, include);
}

/**
 * The live query of one subscriber. A class rather than an object of closures: one is held per
 * idle subscriber, and its methods then live once on the prototype.
 */
class BoundQuery implements LiveQuery {
  readonly expiresAt: number | undefined;
  readonly sessionAlive: (() => Promise<boolean>) | undefined;
  readonly #c: Context | undefined;

  constructor(
    private readonly rt: ResourceRuntime,
    c: Context,
    readonly matcher: LiveMatcher,
    private readonly filter: string | undefined,
    private readonly include: string | undefined,
    private readonly includes: IncludeLoader,
  ) {
    const user = c.get("user" as never) as { sessionExpiresAt?: unknown } | null | undefined;
    const expiry = user?.sessionExpiresAt;
    this.expiresAt = expiry instanceof Date ? expiry.getTime() : typeof expiry === "number" ? expiry : undefined;
    this.sessionAlive = c.get(SESSION_CHECK as never) as (() => Promise<boolean>) | undefined;
    this.#c = needsContext(rt, c, include) ? c : undefined;
  }

  #both(extra: SQL | undefined): SQL | undefined {
    const where = this.matcher.where;
    return where && extra ? and(where, extra) : where ?? extra;
  }

  async #inChunks<T>(ids: Iterable<string>, run: (chunk: unknown[]) => Promise<T[]>): Promise<T[]> {
    const idColumn = this.rt.model.idColumn;
    const all: unknown[] = [];
    for (const raw of ids) {
      const id = idFromPath(idColumn, raw);
      if (id !== INVALID) all.push(id);
    }
    const out: T[] = [];
    for (let i = 0; i < all.length; i += ID_CHUNK) out.push(...(await run(all.slice(i, i + ID_CHUNK))));
    return out;
  }

  async page(after: unknown, limit: number): Promise<Row[]> {
    if (this.matcher.deny) return [];
    const { db, model } = this.rt;
    return db.select().from(model.table).where(this.#both(after === undefined ? undefined : gt(model.idColumn, after))).orderBy(asc(model.idColumn)).limit(limit);
  }

  async matchingIds(ids?: Iterable<string>): Promise<Set<string>> {
    if (this.matcher.deny) return new Set();
    const { db, model } = this.rt;
    const { table, idColumn } = model;
    const pick = { id: idColumn };
    if (ids) {
      const rows = await this.#inChunks<Row>(ids, (chunk) => db.select(pick).from(table).where(this.#both(inArray(idColumn, chunk))));
      return new Set(rows.map((r: Row) => String(r.id)));
    }
    const found = new Set<string>();
    let after: unknown;
    for (;;) {
      const rows: Row[] = await db.select(pick).from(table).where(this.#both(after === undefined ? undefined : gt(idColumn, after))).orderBy(asc(idColumn)).limit(5000);
      for (const r of rows) found.add(String(r.id));
      if (rows.length < 5000) return found;
      after = rows[rows.length - 1]!.id;
    }
  }

  async rowsByIds(ids: Iterable<string>): Promise<Row[]> {
    if (this.matcher.deny) return [];
    const { db, model } = this.rt;
    return this.#inChunks(ids, (chunk) => db.select().from(model.table).where(this.#both(inArray(model.idColumn, chunk))));
  }

  async present(rows: Row[]): Promise<Row[]> {
    const { keys, columns } = this.rt.model;
    // Images that crossed a wire carry dates and bigints as text: give computed fields the
    // values a GET would.
    const revived = rows.map((row) => {
      const out: Row = { ...row };
      for (const key of keys) if (key in row) out[key] = cursorValue(columns[key]!, row[key]);
      return out;
    });
    const bodies = revived.map((row) => this.rt.present(row));
    // Without a kept context no relation is loaded as the subscriber (see `needsContext`).
    const loading = this.#c ? this.includes(this.#c, this.include, revived, bodies) : undefined;
    if (loading) await loading;
    return bodies;
  }

  idOf(row: Row): string {
    return String(row[this.rt.model.idKey]);
  }

  keyOf(row: Row): unknown {
    return row[this.rt.model.idKey];
  }

  async recheck(): Promise<LiveQuery | undefined> {
    const c = this.#c;
    // Without a context there is no scope or session that could have changed.
    if (!c) return undefined;
    // The request's scope memo holds connect-time answers; ask the scope functions again.
    forgetScopes(c);
    const next = await this.rt.liveMatcher(c, this.filter);
    if (next.scopeText === this.matcher.scopeText && next.test !== undefined) return undefined;
    return new BoundQuery(this.rt, c, next, this.filter, this.include, this.includes);
  }
}
