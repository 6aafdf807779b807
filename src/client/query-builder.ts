/**
 * `resource.query()` (spec 80 §3): an immutable builder. Every method returns a new builder, so
 * a base query can branch without being modified; `select` narrows the row type and the
 * aggregation methods build up the type of the groups `aggregate()` returns.
 * @module
 */
import type { AggregateGroup, AggregateResult, CallOptions, ComparableKeys, Id, ListResult, NumericKeys, Row, Selected } from "./resource-types.js";
import type { ResourceClient } from "./resource.js";

/** What the builder has accumulated for `aggregate()`. */
interface AggState {
  g: PropertyKey;
  c: boolean;
  s: PropertyKey;
  a: PropertyKey;
  mn: PropertyKey;
  mx: PropertyKey;
}

/** No aggregation requested yet. */
export type NoAggregation = { g: never; c: false; s: never; a: never; mn: never; mx: never };

type With<A extends AggState, Key extends keyof AggState, V> = { [P in keyof AggState]: P extends Key ? V : A[P] };

/** The group type of a builder's accumulated aggregation. */
export type BuilderGroup<T, A extends AggState> = AggregateGroup<T, A["g"] & keyof T, A["c"], A["s"] & keyof T, A["a"] & keyof T, A["mn"] & keyof T, A["mx"] & keyof T>;

/** An immutable query over rows of type `T`, selecting `K` (all fields when `never`). */
export interface QueryBuilder<T extends Row, K extends keyof T = never, A extends AggState = NoAggregation> {
  /** Returns only these fields; results are typed `Pick<T, ...>`. */
  select<const S extends keyof T & string>(...fields: S[]): QueryBuilder<T, S, A>;
  /** Adds an RSQL condition; several are ANDed. */
  filter(expression: string): QueryBuilder<T, K, A>;
  /** Same as `filter`. */
  where(expression: string): QueryBuilder<T, K, A>;
  orderBy(spec: string): QueryBuilder<T, K, A>;
  limit(n: number): QueryBuilder<T, K, A>;
  cursor(cursor: string | null): QueryBuilder<T, K, A>;
  include(spec: string | readonly string[]): QueryBuilder<T, K, A>;
  withTotalCount(): QueryBuilder<T, K, A>;
  groupBy<const G extends keyof T & string>(...keys: G[]): QueryBuilder<T, K, With<A, "g", A["g"] | G>>;
  withCount(): QueryBuilder<T, K, With<A, "c", true>>;
  sum<const S extends NumericKeys<T>>(...keys: S[]): QueryBuilder<T, K, With<A, "s", A["s"] | S>>;
  avg<const S extends NumericKeys<T>>(...keys: S[]): QueryBuilder<T, K, With<A, "a", A["a"] | S>>;
  min<const S extends ComparableKeys<T>>(...keys: S[]): QueryBuilder<T, K, With<A, "mn", A["mn"] | S>>;
  max<const S extends ComparableKeys<T>>(...keys: S[]): QueryBuilder<T, K, With<A, "mx", A["mx"] | S>>;
  /** One page. */
  list(options?: CallOptions): Promise<ListResult<Selected<T, K>>>;
  /** One row by id (filters do not apply; `select` and `include` do). */
  get(id: Id, options?: CallOptions): Promise<Selected<T, K>>;
  /** The first matching row, or null. */
  first(options?: CallOptions): Promise<Selected<T, K> | null>;
  count(options?: CallOptions): Promise<number>;
  aggregate(options?: CallOptions): Promise<AggregateResult<BuilderGroup<T, A>>>;
}

interface State {
  filters: string[];
  select?: string[];
  orderBy?: string;
  limit?: number;
  cursor?: string | null;
  include?: string | readonly string[];
  totalCount?: boolean;
  groupBy?: string[];
  count?: boolean;
  sum?: string[];
  avg?: string[];
  min?: string[];
  max?: string[];
}

const merged = (filters: string[]) => (filters.length === 0 ? undefined : filters.length === 1 ? filters[0] : filters.map((f) => `(${f})`).join(";"));

/** Builds the query builder of a resource client. */
export function createQueryBuilder<T extends Row>(resource: ResourceClient<T, any>, state: State = { filters: [] }): QueryBuilder<T> {
  const next = (patch: Partial<State>) => createQueryBuilder<T>(resource, { ...state, ...patch });
  const append = (key: "groupBy" | "sum" | "avg" | "min" | "max", values: string[]) => next({ [key]: [...(state[key] ?? []), ...values] });
  const addFilter = (expression: string) => (expression.trim() === "" ? next({}) : next({ filters: [...state.filters, expression] }));
  const listOptions = (options?: CallOptions) => ({
    ...options,
    filter: merged(state.filters),
    select: state.select as never,
    orderBy: state.orderBy,
    limit: state.limit,
    cursor: state.cursor,
    include: state.include,
    totalCount: state.totalCount,
  });
  const builder = {
    select: (...fields: string[]) => next({ select: fields }),
    filter: addFilter,
    where: addFilter,
    orderBy: (orderBy: string) => next({ orderBy }),
    limit: (limit: number) => next({ limit }),
    cursor: (cursor: string | null) => next({ cursor }),
    include: (include: string | readonly string[]) => next({ include }),
    withTotalCount: () => next({ totalCount: true }),
    groupBy: (...keys: string[]) => append("groupBy", keys),
    withCount: () => next({ count: true }),
    sum: (...keys: string[]) => append("sum", keys),
    avg: (...keys: string[]) => append("avg", keys),
    min: (...keys: string[]) => append("min", keys),
    max: (...keys: string[]) => append("max", keys),
    list: (options?: CallOptions) => resource.list(listOptions(options)),
    get: (id: Id, options?: CallOptions) => resource.get(id, { ...options, select: state.select as never, include: state.include }),
    first: async (options?: CallOptions) => (await resource.list({ ...listOptions(options), limit: 1, cursor: undefined })).items[0] ?? null,
    count: (options?: CallOptions) => resource.count(merged(state.filters), options),
    aggregate: (options?: CallOptions) =>
      resource.aggregate({
        ...options,
        filter: merged(state.filters),
        groupBy: state.groupBy as never,
        count: state.count,
        sum: state.sum as never,
        avg: state.avg as never,
        min: state.min as never,
        max: state.max as never,
      }),
  };
  return builder as unknown as QueryBuilder<T>;
}
