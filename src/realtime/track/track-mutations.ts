/**
 * `trackMutations` and `isTrackedDb` (spec 20 §12): custom code that writes through a tracked db
 * reaches the changelog and live subscribers like the generated endpoints do.
 * @module
 */
import { view, TRACKING } from "./db-view.js";
import { createTracker, type Scope } from "./tracker.js";
import type { TrackedDb, TrackedDbMethods, TrackedTable, TrackMutationsOptions } from "./types.js";

/**
 * Wraps a Drizzle db so that writes to the registered tables append changelog entries after they
 * commit. Builder inserts with `.returning()`, updates and deletes with a WHERE give one entry per
 * row (updates and deletes read their rows first, for the before-images); raw SQL, `db.batch`,
 * inserts without `.returning()` and updates or deletes without WHERE give a coarse entry
 * (`objectId: "*"`, reason `raw-sql-mutation`), which subscribers receive as `invalidate`.
 * Writes inside `db.transaction(fn)` are published only after it commits. Wrapping a tracked db
 * again returns it unchanged.
 * @example
 * export const db = trackMutations(drizzle(client), {
 *   todos: { table: todos, id: todos.id },
 * });
 * const [todo] = await db.insert(todos).values({ title: "a" }).returning(); // subscribers get `added`
 */
export function trackMutations<TDb extends object>(baseDb: TDb, tables: Record<string, TrackedTable>, options: TrackMutationsOptions = {}): TrackedDb<TDb> {
  if (isTrackedDb(baseDb)) return baseDb as TrackedDb<TDb>;
  const scope: Scope = { tracker: createTracker(tables, options), handle: baseDb };
  return view(baseDb, scope) as TrackedDb<TDb>;
}

/**
 * True for a db returned by `trackMutations` (or a transaction of one).
 * @example if (!isTrackedDb(db)) db = trackMutations(db, tables);
 */
export function isTrackedDb(value: unknown): value is TrackedDbMethods<any> {
  return typeof value === "object" && value !== null && scopeOf(value) !== undefined;
}

/** The scope of a tracked view (internal). */
export function scopeOf(value: unknown): Scope | undefined {
  return (value as { [TRACKING]?: Scope } | null | undefined)?.[TRACKING];
}
