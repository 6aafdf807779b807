/**
 * Types of the resource API (spec 80 §2–§3): list and get options whose `select` narrows the
 * result to `Pick<T, ...>`, typed aggregate groups, and procedure maps for `rpc`. Type-only.
 * @module
 */

/** Rows have an id; numeric and string ids both occur. */
export type Row = { id: string | number };

/** An id as accepted in paths. */
export type Id = string | number;

/** `T`, or `Pick<T, K>` when fields were selected. */
export type Selected<T, K extends keyof T> = [K] extends [never] ? T : Pick<T, K>;

/** Per-request transport options every method accepts. */
export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** Options of `list`. */
export interface ListOptions<T, K extends keyof T = never> extends CallOptions {
  /** RSQL filter. */
  filter?: string;
  /** Fields to return; narrows the item type. */
  select?: readonly K[];
  /** Relations to embed (`"author,comments"` or an array). */
  include?: string | readonly string[];
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
  limit?: number;
  /** `"f:asc,g:desc"`; `-f` also means descending. */
  orderBy?: string;
  /** Also return `totalCount`. */
  totalCount?: boolean;
  /** Include soft-deleted rows. */
  withDeleted?: boolean;
}

/** A page of `list`. */
export interface ListResult<T> {
  items: T[];
  nextCursor: string | null;
  hasMore: boolean;
  totalCount?: number;
}

/** Options of `get`. */
export interface GetOptions<T, K extends keyof T = never> extends CallOptions {
  select?: readonly K[];
  include?: string | readonly string[];
  withDeleted?: boolean;
}

/** Options of writes. `optimistic` matters only with an offline manager attached. */
export interface WriteOptions extends CallOptions {
  /** Default true with offline support: resolve at once, send in the background. */
  optimistic?: boolean;
  /** The temporary id of an optimistic create. */
  optimisticId?: string;
  /** `If-Match` for optimistic locking (ETags). */
  ifMatch?: string;
  /** The row as shown when the edit was made: the base of the offline `merge` conflict strategy. */
  baseState?: unknown;
}

/** Keys of `T` whose values are numbers (sum/avg). */
export type NumericKeys<T> = { [K in keyof T]-?: NonNullable<T[K]> extends number | bigint ? K : never }[keyof T] & string;

/** Keys of `T` with an order (min/max): strings, numbers, dates. */
export type ComparableKeys<T> = { [K in keyof T]-?: NonNullable<T[K]> extends string | number | bigint | Date ? K : never }[keyof T] & string;

/** Options of `aggregate`. */
export interface AggregateOptions<
  T,
  G extends keyof T = never,
  C extends boolean = false,
  S extends NumericKeys<T> = never,
  A extends NumericKeys<T> = never,
  Mn extends ComparableKeys<T> = never,
  Mx extends ComparableKeys<T> = never,
> extends CallOptions {
  filter?: string;
  groupBy?: readonly G[];
  count?: C;
  sum?: readonly S[];
  avg?: readonly A[];
  min?: readonly Mn[];
  max?: readonly Mx[];
  /** `alias op value;...` over the aggregates (`count>2;sum_total>=10`). */
  having?: string;
}

type Maybe<Cond, Shape> = [Cond] extends [never] ? unknown : Shape;

/**
 * One group of an aggregate result, typed from the request: `key` holds the grouped fields,
 * `count` exists when asked for, and each aggregate map holds the requested fields (a field is
 * absent when every value in the group was NULL).
 */
export type AggregateGroup<T, G extends keyof T, C extends boolean, S extends keyof T, A extends keyof T, Mn extends keyof T, Mx extends keyof T> = {
  key: [G] extends [never] ? null : Pick<T, G>;
} & (C extends true ? { count: number } : unknown) &
  Maybe<S, { sum: { [K in S]?: number } }> &
  Maybe<A, { avg: { [K in A]?: number } }> &
  Maybe<Mn, { min: { [K in Mn]?: T[K] } }> &
  Maybe<Mx, { max: { [K in Mx]?: T[K] } }>;

/** The result of `aggregate`. */
export interface AggregateResult<Group> {
  groups: Group[];
}

/** Options of `search`. */
export interface SearchOptions extends CallOptions {
  filter?: string;
  limit?: number;
  offset?: number;
  highlight?: boolean;
}

/** The result of `search`. */
export interface SearchResult<T> {
  items: T[];
  total: number;
  highlights?: Record<string, unknown>;
}

/** Procedures of a resource: `{ publish: { input: { id: string }; output: { success: boolean } } }`. */
export type ProcedureMap = Record<string, { input: unknown; output: unknown }>;
