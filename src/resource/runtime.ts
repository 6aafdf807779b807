/**
 * A resource built once from its table and config: field policies, compiled-filter cache,
 * scope → SQL, and the output shaping (computed fields, read mask, projection) every route shares.
 * @module
 */
import { and, eq, isNull, sql, type Column, type SQL, type Table } from "drizzle-orm";
import type { Context } from "hono";
import { NotFoundError } from "../errors/problem.js";
import { createRsqlCache, parseRsql, toPredicate, toSql, type RsqlCompileOptions } from "../rsql/index.js";
import { ForbiddenError, ResourceError } from "../errors/problem.js";
import { d1ParameterGuard } from "./d1-limits.js";
import type { ResourceConfig, ScopeOperation } from "./config.js";
import { idFromPath, INVALID, toJsonValue } from "./coerce.js";
import { DEFAULT_BODY_LIMIT, type BodyRules } from "./input.js";
import { columnKey, isD1, tableModel, transactionSupport, type TableModel, type TransactionSupport } from "./model.js";
import { openAccess, resolveScope, type ResolvedScope } from "./scope.js";
import { relationPathSql } from "./relations/paths.js";
import { orderClauses } from "./order.js";
import { PreparedReads, preparesReads } from "./prepared-reads.js";
import { hasRelationPath, rowSatisfiesSql } from "./scope-row.js";
import { Realtime } from "../realtime/realtime.js";
import { resolveSseOptions, type ResolvedSseOptions } from "../realtime/options.js";
import { hookDbFor, untrackedDb } from "../realtime/track/resource-binding.js";

const DENY = sql`1 = 0`;

/** The resources an app has mounted, by resource name (table name): relation targets look here. */
export interface ResourceRegistry {
  get(name: string): ResourceRuntime | undefined;
  all(): ResourceRuntime[];
}

/** Soft-delete settings resolved against the table (spec 10 §9). */
export interface SoftDelete {
  key: string;
  column: Column;
  /** The marker to write on delete. */
  marker(): unknown;
}

/** Everything a route handler needs about its resource. */
export interface ResourceRuntime {
  model: TableModel;
  config: ResourceConfig;
  /**
   * The database generated endpoints write through: `config.db`, or the base db when that is a
   * tracked db, so a row change is recorded once, by the route (spec 20 §0 deviation 3).
   */
  db: any;
  /** `config.db` as hooks get it: a tracked db stays tracked and publishes on this app's hub. */
  hookDb: any;
  transactions: TransactionSupport;
  defaultLimit: number;
  maxLimit: number;
  nullsLast: boolean;
  bodyLimit: number;
  readable: ReadonlySet<string>;
  sortable: ReadonlySet<string> | undefined;
  /** Keys `select` may name: readable columns and computed fields. */
  selectable: ReadonlySet<string>;
  createRules: BodyRules;
  updateRules: BodyRules;
  /** The app's other resources (empty for a standalone `useResource`). */
  registry: ResourceRegistry;
  softDelete: SoftDelete | undefined;
  /** The app's realtime side: hub, held streams. */
  realtime: Realtime;
  /** This resource's subscription settings. */
  sse: ResolvedSseOptions;
  /**
   * WHERE for (scope of `op`) ∧ (user filter) ∧ (not soft-deleted, unless `?withDeleted=true`
   * outside subscriptions); undefined means every row. An empty update/delete scope throws 403.
   */
  where(c: Context, op: ScopeOperation, filter?: string): SQL | undefined | Promise<SQL | undefined>;
  /** The row with this path id inside the scope of `op`, or a 404. */
  findById(c: Context, op: ScopeOperation, rawId: string): Promise<{ id: unknown; row: Record<string, unknown> }>;
  /**
   * 403 unless `row()` (the row as it will be stored) lies inside the caller's scope for `op`.
   * Relation-path scopes are evaluated in SQL on `db` (pass the transaction handle inside one).
   */
  checkWriteScope(c: Context, op: "create" | "update", row: () => Record<string, unknown>, db?: any): Promise<void>;
  /** `values` plus the static column defaults the database will fill in, for scope checks. */
  withDefaults(values: Record<string, unknown>): Record<string, unknown>;
  /** Computed fields, read mask and projection, ready for JSON. */
  present(row: Record<string, unknown>, select?: string[] | null): Record<string, unknown>;
  /**
   * A subscriber's predicate (spec 20 §6.1): scope of `subscribe` ∧ `filter` ∧ not soft-deleted,
   * as SQL and, unless the scope walks relations, as an in-memory test. Throws 401/400 first.
   */
  liveMatcher(c: Context, filter?: string): Promise<LiveMatcher>;
  /**
   * Prepared fixed-shape reads under `where` when it is one of the resource's static clauses
   * (none, or not soft-deleted) and the database gains from them; else undefined.
   */
  preparedReads(where: SQL | undefined): PreparedReads | undefined;
}

/** A compiled subscription predicate. */
export interface LiveMatcher {
  /** Equal for subscribers with the same predicate, so one evaluation serves them all. */
  key: string;
  /** The predicate as SQL (undefined: every row). */
  where: SQL | undefined;
  /** The predicate on a row image; undefined for relation-path (join) scopes. */
  test: ((row: Record<string, unknown>) => boolean) | undefined;
  /** A deny scope: nothing ever matches. */
  deny: boolean;
  /** The scope text, to notice a change on recheck. */
  scopeText: string;
}

/** Distinct subscribe predicates whose matchers a resource keeps for sharing. */
const LIVE_MATCHERS = 1000;

function isSqlExpression(value: unknown): boolean {
  return typeof value === "object" && value !== null && !(value instanceof Date) && "getSQL" in value;
}

function without(set: Set<string>, key: string): Set<string> {
  const copy = new Set(set);
  copy.delete(key);
  return copy;
}

function keySet(columns: Record<string, Column>, refs: (Column | string)[] | undefined, option: string): Set<string> | undefined {
  return refs ? new Set(refs.map((ref) => columnKey(columns, ref, option))) : undefined;
}

/** Builds the runtime of one resource; throws on configuration mistakes, at startup. */
const EMPTY_REGISTRY: ResourceRegistry = { get: () => undefined, all: () => [] };

function softDeleteOf(columns: Record<string, Column>, config: ResourceConfig): SoftDelete | undefined {
  if (!config.softDelete) return undefined;
  const key = columnKey(columns, config.softDelete.field, "softDelete.field");
  const column = columns[key]!;
  const marker = config.softDelete.deletedValue ?? (column.dataType === "date" ? () => new Date() : () => new Date().toISOString());
  return { key, column, marker };
}

export function createResourceRuntime(table: Table, config: ResourceConfig, registry: ResourceRegistry = EMPTY_REGISTRY, realtime: Realtime = new Realtime()): ResourceRuntime {
  if (!config?.db) throw new Error("resource config: `db` is required");
  if (config.id === undefined) throw new Error("resource config: `id` is required");
  const model = tableModel(table, config.id);
  const { columns, keys, idKey, idColumn } = model;
  const pagination = config.pagination ?? {};
  const readable = keySet(columns, config.fields?.readable, "fields.readable") ?? new Set(keys);
  const writableOption = keySet(columns, config.fields?.writable, "fields.writable");
  const generated = keySet(columns, config.generatedFields, "generatedFields") ?? new Set<string>();
  const filterable = keySet(columns, config.fields?.filterable, "fields.filterable");
  const sortableOption = keySet(columns, config.fields?.sortable, "fields.sortable");
  const db = untrackedDb(config.db);
  const d1 = isD1(db);
  const transactions = config.transactions === false ? "batch-only" : transactionSupport(db);

  // A caller may only filter and sort on what it may read (masked values cannot be probed).
  const config_filter = config.filter ?? {};
  const userFields = keys.filter(
    (k) => readable.has(k) && (!filterable || filterable.has(k)) && (!config_filter.allowedFields || config_filter.allowedFields.includes(k)),
  );
  const userCompile: RsqlCompileOptions = {
    dialect: model.dialect,
    columns: Object.fromEntries(keys.filter((k) => readable.has(k)).map((k) => [k, columns[k]!])),
    customOperators: config.customOperators,
    rejectRelationPaths: true,
    allowedFields: userFields.length < keys.length ? userFields : undefined,
    allowedOperators: config_filter.allowedOperators,
    maxPatternBytes: d1 ? 50 : undefined,
  };
  const scopeCompile: RsqlCompileOptions = {
    dialect: model.dialect,
    columns,
    customOperators: config.customOperators,
    rejectRelationPaths: false,
    // Dotted fields walk relations as EXISTS subqueries; resolved on first use, once all resources registered.
    relationPath: (node) => relationPathSql(runtime, node),
    maxPatternBytes: d1 ? 50 : undefined,
  };
  const limits = { maxLength: config_filter.maxLength ?? 4096, maxDepth: config_filter.maxDepth ?? 10, maxNodes: config_filter.maxNodes ?? 100 };
  const filterCache = createRsqlCache<SQL | null>(500);
  const scopeCache = createRsqlCache<SQL | null>(500);

  const guard = d1 ? d1ParameterGuard : (compiled: SQL) => compiled;
  const userFilterSql = (text: string): SQL | null =>
    filterCache.get(text, () => {
      const node = parseRsql(text, limits);
      return node ? guard(toSql(node, userCompile)) : null;
    });
  // A scope is the developer's code, not input: an invalid one is a 500, never a 400 to the caller.
  const developerError = (error: unknown): never => {
    const detail = error instanceof ResourceError ? error.detail : String(error);
    throw new Error(`Invalid auth scope on ${model.name}: ${detail}`);
  };
  const scopeLimits = { maxLength: 1 << 20, maxDepth: 64, maxNodes: 10_000 };
  const scopeSql = (text: string): SQL | null =>
    scopeCache.get(text, () => {
      try {
        const node = parseRsql(text, scopeLimits);
        return node ? toSql(node, scopeCompile) : null;
      } catch (error) {
        return developerError(error);
      }
    });
  type RowCheck = (db: any, row: Record<string, unknown>) => boolean | Promise<boolean>;
  const scopeChecks = createRsqlCache<RowCheck>(500);
  // In memory where the scope allows it; relation paths go to SQL against the candidate row.
  const scopeCheck = (text: string): RowCheck =>
    scopeChecks.get(text, () => {
      try {
        const node = parseRsql(text, scopeLimits);
        if (hasRelationPath(node)) {
          const compiled = scopeSql(text) ?? DENY;
          return (db, row) => rowSatisfiesSql(db, model, compiled, row);
        }
        const predicate = toPredicate(node, { columns, customOperators: config.customOperators });
        return (_db, row) => predicate(row);
      } catch (error) {
        return developerError(error);
      }
    });
  const staticDefaults = Object.entries(columns).flatMap(([key, column]) => {
    const value = (column as Column & { default?: unknown }).default;
    return column.hasDefault && value !== undefined && !isSqlExpression(value) ? [[key, value] as const] : [];
  });

  const isWritableColumn = (key: string) => !(columns[key] as Column & { generated?: unknown }).generated;
  const writable = new Set(keys.filter((k) => isWritableColumn(k) && (!writableOption || writableOption.has(k) || k === idKey || generated.has(k))));
  const required = new Set(
    keys.filter((k) => {
      const column = columns[k]!;
      const autoKey = column.primary && model.dialect === "sqlite" && column.dataType === "number";
      return column.notNull && !column.hasDefault && !autoKey && !generated.has(k) && isWritableColumn(k);
    }),
  );
  const computed = Object.entries(config.computed ?? {});
  const masked = readable.size < keys.length;
  const hasBigint = keys.some((k) => columns[k]!.dataType === "bigint");
  const softDelete = softDeleteOf(columns, config);
  const notDeleted = softDelete ? isNull(softDelete.column) : undefined;
  // Rows marked deleted stay out unless the caller asks for them (never on subscriptions).
  const liveOnly = (c: Context, op: ScopeOperation, condition: SQL | undefined): SQL | undefined => {
    if (!notDeleted || (op !== "subscribe" && c.req.query("withDeleted") === "true")) return condition;
    return condition ? and(notDeleted, condition) : notDeleted;
  };

  /** Live matchers by key, most recently used last; bounded. */
  const liveMatchers = new Map<string, LiveMatcher>();
  const buildLiveMatcher = (key: string, where: SQL | undefined, scope: ResolvedScope, text: string | undefined): LiveMatcher => {
    const scopeText = scope.kind === "rsql" ? scope.text : scope.kind;
    if (scope.kind === "none") return { key, where, test: () => false, deny: true, scopeText };
    const filterNode = text === undefined ? null : parseRsql(text, limits);
    const filterTest = filterNode ? toPredicate(filterNode, { columns: userCompile.columns, customOperators: config.customOperators }) : undefined;
    let scopeTest: ((row: Record<string, unknown>) => boolean) | undefined;
    if (scope.kind === "rsql") {
      const node = parseRsql(scope.text, scopeLimits);
      if (hasRelationPath(node)) return { key, where, test: undefined, deny: false, scopeText };
      scopeTest = toPredicate(node, { columns, customOperators: config.customOperators });
    }
    const softKey = softDelete?.key;
    const test = (row: Record<string, unknown>) =>
      (softKey === undefined || row[softKey] === null || row[softKey] === undefined) && (!scopeTest || scopeTest(row)) && (!filterTest || filterTest(row));
    return { key, where, test, deny: false, scopeText };
  };

  // Keyed by the static where clauses only (see `preparedReads`), so it holds two entries at most.
  const prepared = preparesReads(model, d1) ? new Map<SQL | undefined, PreparedReads>() : undefined;

  /** Distinguishes this runtime's predicates from another's with the same text. */
  const instance = crypto.randomUUID();
  const runtime: ResourceRuntime = {
    model,
    config,
    db,
    hookDb: hookDbFor(config.db, realtime),
    transactions,
    defaultLimit: pagination.defaultLimit ?? 20,
    maxLimit: pagination.maxLimit ?? 100,
    nullsLast: (pagination.nullsPosition ?? "last") === "last",
    bodyLimit: config.bodyLimit ?? DEFAULT_BODY_LIMIT,
    readable,
    selectable: new Set([...readable, ...Object.keys(config.computed ?? {})]),
    sortable: sortableOption ? new Set([...sortableOption].filter((k) => readable.has(k))) : masked ? readable : undefined,
    createRules: { columns, required, writable, strict: config.strictInput === true },
    updateRules: { columns, required: without(required, idKey), writable: without(writable, idKey), strict: config.strictInput === true },
    registry,
    softDelete,
    realtime,
    sse: resolveSseOptions(realtime.options.sse, config.sse),

    where(c, op, filter) {
      // 401 before 400: who may ask is decided before what is asked is parsed.
      const compile = () => (filter !== undefined && filter.trim() !== "" ? userFilterSql(filter) ?? undefined : undefined);
      // Without an `auth` option no scope function runs: stay synchronous on the hot path.
      if (!config.auth) {
        openAccess(c, op, model.name);
        return liveOnly(c, op, compile());
      }
      return resolveScope(c, config.auth, op, model.name).then((scope) => {
        if (scope.kind === "none") {
          // Spec 40 §9.5: a write the caller may never make is refused outright (403), before any
          // row is looked up, so the answer says nothing about which ids exist.
          if (op === "update" || op === "delete") throw new ForbiddenError(`Not authorized to ${op} on ${model.name}`);
          return DENY;
        }
        const compiled = compile();
        if (scope.kind === "all") return liveOnly(c, op, compiled);
        const scoped = scopeSql(scope.text) ?? DENY;
        return liveOnly(c, op, compiled ? and(scoped, compiled) : scoped);
      });
    },

    async checkWriteScope(c, op, row, on = db) {
      const scope = await resolveScope(c, config.auth, op, model.name);
      if (scope.kind === "all") return;
      // The row is only built when a scope has to be evaluated against it.
      if (scope.kind === "none" || !(await scopeCheck(scope.text)(on, row()))) {
        throw new ForbiddenError(`Not authorized to ${op} on ${model.name}`);
      }
    },

    withDefaults(values) {
      const row: Record<string, unknown> = {};
      for (const [key, value] of staticDefaults) row[key] = value;
      return Object.assign(row, values);
    },

    async findById(c, op, rawId) {
      const id = idFromPath(idColumn, rawId);
      if (id === INVALID) throw new NotFoundError(model.name, rawId);
      const scoped = await runtime.where(c, op);
      const prepared = runtime.preparedReads(scoped);
      // The id is the primary key: at most one row, no LIMIT needed.
      const [row] = prepared
        ? [await prepared.byId(id)]
        : await db.select().from(table).where(scoped ? and(eq(idColumn, id), scoped) : eq(idColumn, id));
      if (!row) throw new NotFoundError(model.name, rawId);
      return { id, row };
    },

    async liveMatcher(c, filter) {
      const text = filter !== undefined && filter.trim() !== "" ? filter : undefined;
      const where = await runtime.where(c, "subscribe", text);
      const scope = config.auth ? await resolveScope(c, config.auth, "subscribe", model.name) : ({ kind: "all" } as const);
      const scopeText = scope.kind === "rsql" ? scope.text : scope.kind;
      // Keyed per resource runtime too: two apps on one hub may differ in columns or soft delete.
      const key = JSON.stringify([instance, scopeText, text ?? ""]);
      // Subscribers with one predicate share one matcher (its compiled test): the key says all
      // a subscribe predicate depends on.
      const shared = liveMatchers.get(key);
      if (shared) {
        liveMatchers.delete(key);
        liveMatchers.set(key, shared);
        return shared;
      }
      const matcher = buildLiveMatcher(key, where, scope, text);
      liveMatchers.set(key, matcher);
      if (liveMatchers.size > LIVE_MATCHERS) liveMatchers.delete(liveMatchers.keys().next().value!);
      return matcher;
    },

    preparedReads(where) {
      if (!prepared || (where !== undefined && where !== notDeleted)) return undefined;
      let reads = prepared.get(where);
      if (!reads) prepared.set(where, (reads = new PreparedReads(db, model, where, orderClauses([], idColumn, runtime.nullsLast))));
      return reads;
    },

    present(row, select) {
      let out: Record<string, unknown> = row;
      if (computed.length > 0 || masked || hasBigint) {
        out = {};
        for (const key of keys) if (readable.has(key)) out[key] = toJsonValue(row[key]);
        for (const [name, fn] of computed) out[name] = fn(row);
      }
      if (!select) return out;
      const projected: Record<string, unknown> = {};
      for (const key of select) if (key in out) projected[key] = out[key];
      for (const [name] of computed) projected[name] = out[name];
      return projected;
    },
  };
  realtime.outbox.register(runtime);
  return runtime;
}

