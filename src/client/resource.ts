/**
 * `client.resource<T, P>(path)` (spec 80 §2): the generated REST endpoints of one resource as
 * typed methods, plus live subscriptions and the query builder. Writes go through an attached
 * offline manager when there is one (optimistic by default), else straight to the server.
 * @module
 */
import { LiveAggregateSubscription, type AggregateSubscribeOptions, type AggregateSubscription, type AggregateSubscriptionCallbacks } from "./aggregate-subscription.js";
import type { ReconnectOptions } from "./backoff.js";
import type { OfflineManagerLike } from "./offline-port.js";
import { createQueryBuilder, type QueryBuilder } from "./query-builder.js";
import type {
  AggregateGroup,
  AggregateOptions,
  AggregateResult,
  CallOptions,
  ComparableKeys,
  GetOptions,
  Id,
  ListOptions,
  ListResult,
  NumericKeys,
  ProcedureMap,
  Row,
  SearchOptions,
  SearchResult,
  Selected,
  WriteOptions,
} from "./resource-types.js";
import { ResourceSubscription, type SubscribeOptions, type Subscription, type SubscriptionCallbacks } from "./subscription.js";
import type { Transport } from "./transport.js";
import type { Params } from "./url.js";

/** What a resource client needs from its client. */
export interface ResourceContext {
  transport: Transport;
  /** The attached offline manager, looked up per write. */
  offline?: () => OfflineManagerLike | undefined;
  reconnect?: ReconnectOptions;
}

/** `rpc` typed by a procedure map, or loosely typed without one. */
export type RpcMethod<P> = keyof P extends never
  ? <TIn = unknown, TOut = unknown>(name: string, input?: TIn, options?: CallOptions) => Promise<TOut>
  : P extends ProcedureMap
    ? <N extends keyof P & string>(name: N, input: P[N]["input"], options?: CallOptions) => Promise<P[N]["output"]>
    : never;

/** Typed client of one resource. */
export interface ResourceClient<T extends Row, P = {}> {
  /** The mount path. */
  readonly path: string;
  /** One page; `select` narrows the item type. */
  list<const K extends keyof T & string = never>(options?: ListOptions<T, K>): Promise<ListResult<Selected<T, K>>>;
  /** One row by id; 404 rejects with `TransportError`. */
  get<const K extends keyof T & string = never>(id: Id, options?: GetOptions<T, K>): Promise<Selected<T, K>>;
  /** Rows matching the filter. */
  count(filter?: string, options?: CallOptions): Promise<number>;
  /** Grouped aggregates, typed per call. */
  aggregate<
    const G extends keyof T & string = never,
    const C extends boolean = false,
    const S extends NumericKeys<T> = never,
    const A extends NumericKeys<T> = never,
    const Mn extends ComparableKeys<T> = never,
    const Mx extends ComparableKeys<T> = never,
  >(options?: AggregateOptions<T, G, C, S, A, Mn, Mx>): Promise<AggregateResult<AggregateGroup<T, G, C, S, A, Mn, Mx>>>;
  /** Full-text search (needs a search adapter on the server). */
  search(query: string, options?: SearchOptions): Promise<SearchResult<T>>;
  create(data: Partial<T>, options?: WriteOptions): Promise<T>;
  /** PATCH: only the given fields change. */
  update(id: Id, data: Partial<T>, options?: WriteOptions): Promise<T>;
  /** PUT: the row is replaced. */
  replace(id: Id, data: Partial<T>, options?: WriteOptions): Promise<T>;
  delete(id: Id, options?: WriteOptions): Promise<void>;
  /** Creates all items or none. */
  batchCreate(items: Partial<T>[], options?: CallOptions): Promise<T[]>;
  /** Inserts items without an id, upserts items with one. */
  batchUpsert(items: Partial<T>[], options?: CallOptions): Promise<T[]>;
  /** Applies one patch to every matching row. */
  batchUpdate(filter: string, data: Partial<T>, options?: CallOptions): Promise<{ count: number }>;
  batchDelete(filter: string, options?: CallOptions): Promise<{ count: number }>;
  /** Calls a procedure; resolves with its output (the `data` of `{ data }`). */
  rpc: RpcMethod<P>;
  /** A live view of the matching rows. */
  subscribe(options?: SubscribeOptions, callbacks?: SubscriptionCallbacks<T>): Subscription<T>;
  /** Live aggregate groups. */
  subscribeAggregate<G = Record<string, unknown>>(options?: AggregateSubscribeOptions, callbacks?: AggregateSubscriptionCallbacks<G>): AggregateSubscription<G>;
  /** An immutable query builder. */
  query(): QueryBuilder<T>;
}

const call = (options: CallOptions | undefined) => ({ signal: options?.signal, timeoutMs: options?.timeoutMs, headers: options?.headers });

/**
 * Builds a resource client. Usually reached through `client.resource(path)`.
 * @example
 * const todos = createResourceClient<Todo>({ transport }, "/api/todos");
 */
export function createResourceClient<T extends Row, P = {}>(ctx: ResourceContext, path: string): ResourceClient<T, P> {
  const { transport } = ctx;
  const base = path.replace(/\/+$/, "");
  const at = (id: Id) => `${base}/${encodeURIComponent(String(id))}`;
  const get = async <R>(sub: string, params: Params, options?: CallOptions): Promise<R> =>
    (await transport.request<R>({ path: `${base}${sub}`, params, ...call(options) })).data;

  /** Sends a write, or hands it to the offline manager when one is attached and the write is optimistic. */
  const write = async <R>(kind: "create" | "update" | "replace" | "delete", id: Id | undefined, data: unknown, options: WriteOptions | undefined): Promise<R> => {
    const offline = ctx.offline?.();
    if (offline && options?.optimistic !== false) {
      const target = id === undefined ? undefined : String(id);
      return (await offline.write({ kind, resource: base, id: target, data, optimisticId: options?.optimisticId, ifMatch: options?.ifMatch, baseState: options?.baseState })) as R;
    }
    const headers: Record<string, string> = { ...options?.headers };
    if (options?.optimisticId) headers["x-covara-optimistic-id"] = options.optimisticId;
    if (options?.ifMatch) headers["if-match"] = options.ifMatch;
    const method = { create: "POST", update: "PATCH", replace: "PUT", delete: "DELETE" }[kind];
    const response = await transport.request<R>({ method, path: id === undefined ? base : at(id), body: data, ...call(options), headers });
    return response.data;
  };

  const resource: ResourceClient<T, P> = {
    path: base,
    list: (options = {}) =>
      get("", {
        filter: options.filter,
        select: options.select as readonly string[] | undefined,
        include: options.include,
        cursor: options.cursor,
        limit: options.limit,
        orderBy: options.orderBy,
        totalCount: options.totalCount ? true : undefined,
        withDeleted: options.withDeleted ? true : undefined,
      }, options),
    get: async (id, options = {}) =>
      (await transport.request({
        path: at(id),
        params: { select: options.select as readonly string[] | undefined, include: options.include, withDeleted: options.withDeleted ? true : undefined },
        ...call(options),
      })).data as never,
    count: async (filter, options) => (await get<{ count: number }>("/count", { filter }, options)).count,
    aggregate: (options = {}) =>
      get("/aggregate", {
        filter: options.filter,
        groupBy: options.groupBy,
        count: options.count ? true : undefined,
        sum: options.sum,
        avg: options.avg,
        min: options.min,
        max: options.max,
        having: options.having,
      }, options),
    search: (query, options = {}) =>
      get("/search", { q: query, filter: options.filter, limit: options.limit, offset: options.offset, highlight: options.highlight ? true : undefined }, options),
    create: (data, options) => write("create", undefined, data, options),
    update: (id, data, options) => write("update", id, data, options),
    replace: (id, data, options) => write("replace", id, data, options),
    delete: async (id, options) => {
      await write("delete", id, undefined, options);
    },
    batchCreate: async (items, options) => (await transport.request<{ items: T[] }>({ method: "POST", path: `${base}/batch`, body: { items }, ...call(options) })).data.items,
    batchUpsert: async (items, options) => (await transport.request<{ items: T[] }>({ method: "POST", path: `${base}/batch/upsert`, body: { items }, ...call(options) })).data.items,
    batchUpdate: async (filter, data, options) => (await transport.request<{ count: number }>({ method: "PATCH", path: `${base}/batch`, params: { filter }, body: data, ...call(options) })).data,
    batchDelete: async (filter, options) => (await transport.request<{ count: number }>({ method: "DELETE", path: `${base}/batch`, params: { filter }, ...call(options) })).data,
    rpc: (async (name: string, input?: unknown, options?: CallOptions) =>
      (await transport.request<{ data: unknown }>({ method: "POST", path: `${base}/rpc/${encodeURIComponent(name)}`, body: input ?? {}, ...call(options) })).data?.data) as RpcMethod<P>,
    subscribe: (options = {}, callbacks = {}) => new ResourceSubscription<T>(transport, base, options, callbacks, ctx.reconnect),
    subscribeAggregate: (options = {}, callbacks = {}) => new LiveAggregateSubscription(transport, base, options, callbacks, ctx.reconnect),
    query: () => createQueryBuilder<T>(resource),
  };
  return resource;
}
