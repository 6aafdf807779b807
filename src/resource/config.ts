/**
 * The options of `.resource()` / `useResource()`. Everything beyond `id` and `db` is opt-in;
 * see docs/resources.md for each option.
 * @module
 */
import type { SseOptions } from "../realtime/options.js";
import type { Column, Table } from "drizzle-orm";
import type { Context } from "hono";
import type { CompiledScope, CustomOperators } from "../rsql/index.js";
import type { ResourceRateLimitConfig } from "../middleware/rate-limit/options.js";

/** The signed-in user as auth middleware puts it on the context (`c.get("user")`). */
export interface UserContext {
  id: string | number;
  [claim: string]: unknown;
}

/** A scope function: the rows a user may touch for one operation, as RSQL. */
export type ScopeFn = (user: UserContext) => CompiledScope | string | Promise<CompiledScope | string>;

/** Operations a scope can be given for. */
export type ScopeOperation = "read" | "create" | "update" | "delete" | "subscribe";

/** Row-level authorization (spec 40-auth); enforced on every generated route. */
export interface ResourceAuth {
  read?: ScopeFn;
  create?: ScopeFn;
  update?: ScopeFn;
  delete?: ScopeFn;
  subscribe?: ScopeFn;
  /** Fallback for operations without their own function. */
  scope?: ScopeFn;
  /** `true` opens read + subscribe to anonymous callers; the object form opens exactly what it lists. */
  public?: boolean | Partial<Record<ScopeOperation, boolean>>;
}

/** Page sizes and cursor settings of the list endpoint. */
export interface PaginationConfig {
  defaultLimit?: number;
  maxLimit?: number;
  /** Where NULLs sort for ascending fields (mirrored for descending). Default `"last"`. */
  nullsPosition?: "first" | "last";
  /** Cursors older than this are rejected with `cursor-expired`. No expiry by default. */
  cursorMaxAgeMs?: number;
}

/** Limits applied to user-supplied filters (never to scopes). */
export interface FilterConfig {
  maxLength?: number;
  maxDepth?: number;
  maxNodes?: number;
  allowedOperators?: string[];
  allowedFields?: string[];
}

/** Field policies. Columns are Drizzle columns (preferred) or property keys. */
export interface FieldsConfig {
  /** Allowlist of settable columns; other keys are dropped on every write. */
  writable?: (Column | string)[];
  /** Allowlist of columns that appear in responses; others are masked. */
  readable?: (Column | string)[];
  /** Allowlist for user filters. */
  filterable?: (Column | string)[];
  /** Allowlist for `orderBy`. */
  sortable?: (Column | string)[];
}

/** What every hook and procedure receives (spec 10 §12). */
export interface HookContext {
  /** The resource's configured database. */
  db: any;
  /** The resource's Drizzle table. */
  schema: Table;
  user: UserContext | null;
  req: Request;
  /** The Hono context of the request. */
  context: Context;
}

type MaybePromise<T> = T | Promise<T>;
type Row = Record<string, unknown>;

/**
 * Lifecycle hooks of the generated endpoints (spec 10 §12). A before-hook returning `void` keeps
 * its input; throwing aborts the request (a `ResourceError` keeps its status, anything else is 500).
 */
export interface ResourceHooks {
  onBeforeCreate?: (ctx: HookContext, data: Row) => MaybePromise<Row | void>;
  onAfterCreate?: (ctx: HookContext, created: Row) => MaybePromise<void>;
  onBeforeUpdate?: (ctx: HookContext, id: string, data: Row) => MaybePromise<Row | void>;
  onAfterUpdate?: (ctx: HookContext, updated: Row) => MaybePromise<void>;
  onBeforeDelete?: (ctx: HookContext, id: string) => MaybePromise<void>;
  onAfterDelete?: (ctx: HookContext, deleted: Row) => MaybePromise<void>;
}

/** Optimistic locking (spec 10 §11). */
export interface EtagConfig {
  /** An integer column bumped on every PATCH/PUT; its value is the ETag. */
  versionField?: Column | string;
  /** A timestamp column; `<epoch ms>-<id>` is the ETag when there is no version field. Default `updatedAt`. */
  updatedAtField?: Column | string;
  idField?: string;
  /** `"strong"` (default) emits `"v"`, `"weak"` emits `W/"v"`. */
  algorithm?: "strong" | "weak";
}

/** Soft delete (spec 10 §9): a row is deleted when `field` is not NULL. */
export interface SoftDeleteConfig {
  field: Column | string;
  /** The marker written on delete; default a `Date` for date columns, an ISO string otherwise. */
  deletedValue?: () => unknown;
}

/** Largest item count per batch route; `0` removes that route. Default 100 each. */
export interface BatchConfig {
  create?: number;
  update?: number;
  replace?: number;
  delete?: number;
}

/** Kinds of relation (spec 10 §14.1). */
export type RelationType = "belongsTo" | "hasOne" | "hasMany" | "manyToMany";

/** One declared relation of a resource. */
export interface RelationConfig {
  /** The target resource's name (its table name). */
  resource: string;
  /** The target's Drizzle table. */
  schema: Table;
  type: RelationType;
  /** belongsTo: the FK column on this table; hasOne/hasMany: the FK column on the target. */
  foreignKey: Column;
  /** The referenced column: the target's key (belongsTo) or this table's key (hasOne/hasMany). */
  references: Column;
  /** `"eager"` relations load without `include`. Default `"lazy"`. */
  strategy?: "eager" | "lazy";
  /** Target columns loaded when the include names no `select`. */
  defaultSelect?: Column[];
  /** manyToMany join table: `sourceKey` holds this row's id, `targetKey` the target's `references`. */
  through?: { schema: Table; sourceKey: Column; targetKey: Column };
}

/** Limits of `?include=`. */
export interface IncludeConfig {
  /** Levels beyond this are not loaded. Default 3. */
  maxDepth?: number;
  /** A per-parent limit applied when an include names none. No default. */
  defaultLimit?: number;
}

/** A validator with zod's `parse` shape (zod, valibot adapters, hand-written). */
export interface ParseSchema<T = unknown> {
  parse(value: unknown): T;
}

/** An RPC procedure mounted at `POST <mount>/rpc/<name>` (spec 10 §13). */
export interface Procedure<TInput = any, TOutput = any> {
  input?: ParseSchema<TInput>;
  output?: ParseSchema<TOutput>;
  handler: (ctx: HookContext, input: TInput) => MaybePromise<TOutput>;
}

/** Configuration of one resource. */
export interface ResourceConfig<TTable extends Table = Table> {
  /** The single-column primary key. */
  id: Column | string;
  /** A Drizzle database (libsql, better-sqlite3, D1, postgres-js, PGlite, Neon…). */
  db: any;
  auth?: ResourceAuth;
  pagination?: PaginationConfig;
  filter?: FilterConfig;
  fields?: FieldsConfig;
  /** Columns filled by the database or hooks, so validation does not require them. */
  generatedFields?: (Column | string)[];
  /** Reject body keys that are not columns with 400 instead of dropping them. */
  strictInput?: boolean;
  /** Virtual fields added to every response. */
  computed?: Record<string, (row: Record<string, unknown>) => unknown>;
  customOperators?: CustomOperators;
  /** Signs cursors with HMAC-SHA256. `null` opts out of a global secret. */
  cursorSigningSecret?: string | null;
  /** Largest accepted request body in bytes. Default 1 MiB. */
  bodyLimit?: number;
  /** Routes to leave out; a disabled route answers 404. */
  capabilities?: {
    enableCreate?: boolean;
    enableUpdate?: boolean;
    enableDelete?: boolean;
    /** Every `/batch*` route. */
    enableBatch?: boolean;
    /** `GET /aggregate`. */
    enableAggregations?: boolean;
    enableSubscribe?: boolean;
  };
  hooks?: ResourceHooks;
  etag?: EtagConfig;
  softDelete?: SoftDeleteConfig;
  batch?: BatchConfig;
  relations?: Record<string, RelationConfig>;
  /** Discover belongsTo/hasMany relations from foreign keys of registered resources. Default false. */
  autoRelations?: boolean;
  include?: IncludeConfig;
  /** Create declared belongsTo parents and hasMany/hasOne children inside `POST /`. Default false. */
  nestedWrites?: boolean;
  procedures?: Record<string, Procedure>;
  /**
   * A fixed-window rate limit on every route of this resource (default 100 requests per 60 s per
   * user or client address), counted separately from other resources. Invalid numbers throw here.
   * @example rateLimit: { windowMs: 60_000, maxRequests: 100 }
   */
  rateLimit?: ResourceRateLimitConfig;
  /** Overrides transaction detection for custom drivers. */
  transactions?: boolean;
  /** Subscription settings (spec 20): heartbeat, queue, limits, scope recheck. */
  sse?: SseOptions;
  /** @internal the table type, for inference. */
  readonly __table?: TTable;
}
