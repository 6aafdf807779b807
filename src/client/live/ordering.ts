/**
 * Client-side ordering of a live list, so that rows arriving over the stream land where a fresh
 * `GET` would put them: the server's `orderBy` syntax, NULLs last when ascending and first when
 * descending (spec 10 §9, default `nullsPosition`), and the row id as the final tiebreak.
 * @module
 */
import type { SubscriptionMode } from "./types.js";

/** One sort key. */
export interface SortKey {
  field: string;
  descending: boolean;
}

/** Parses `"f:asc,g:desc"`, `"-f,+g"` or `"f"` into sort keys. */
export function parseOrderBy(orderBy: string | undefined): SortKey[] {
  if (!orderBy) return [];
  return orderBy
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      let field = part;
      let descending = false;
      if (field.startsWith("-") || field.startsWith("+")) {
        descending = field.startsWith("-");
        field = field.slice(1);
      }
      const colon = field.lastIndexOf(":");
      if (colon > 0) {
        descending = field.slice(colon + 1).toLowerCase() === "desc";
        field = field.slice(0, colon);
      }
      return { field, descending };
    });
}

/** Optimistic rows have no server id yet: they sort after every real id. */
const isOptimistic = (id: unknown) => typeof id === "string" && id.startsWith("optimistic_");

/** Orders values of one field: numbers numerically, dates by time, others as strings. */
function compareValues(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Orders ids the way the server does without `orderBy` (ascending), numeric ids numerically. */
export function compareIds(a: unknown, b: unknown): number {
  const optimisticA = isOptimistic(a);
  if (optimisticA !== isOptimistic(b)) return optimisticA ? 1 : -1;
  const x = Number(a);
  const y = Number(b);
  if (a !== "" && b !== "" && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return compareValues(a, b);
}

/** A comparator for rows from sort keys (ids break ties). */
export function rowComparator(keys: readonly SortKey[]): (a: Record<string, unknown>, b: Record<string, unknown>) => number {
  return (a, b) => {
    for (const { field, descending } of keys) {
      const x = a[field];
      const y = b[field];
      const nullX = x === null || x === undefined;
      const nullY = y === null || y === undefined;
      // NULL sorts as if larger than every value: last ascending, first descending.
      const order = nullX || nullY ? (nullX === nullY ? 0 : nullX ? 1 : -1) : compareValues(x, y);
      if (order !== 0) return descending ? -order : order;
    }
    return compareIds(a.id, b.id);
  };
}

/** The mode in force: `strict` with a limit, `live` without, unless one was given. */
export function effectiveMode(mode: SubscriptionMode | undefined, limit: number | undefined): SubscriptionMode {
  return mode ?? (limit !== undefined ? "strict" : "live");
}

/** Whether a mode keeps the list sorted (as opposed to placing rows by arrival). */
export function keepsSorted(mode: SubscriptionMode, hasOrderBy: boolean): boolean {
  return mode === "strict" || mode === "sorted" || (mode === "live" && hasOrderBy);
}
