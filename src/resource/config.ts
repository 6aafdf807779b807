/**
 * The options of `.resource()` / `useResource()`. Everything beyond `id` and `db` is opt-in;
 * see docs/resources.md for each option.
 * @module
 */
import type { Column, Table } from "drizzle-orm";
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
  };
  /**
   * A fixed-window rate limit on every route of this resource (default 100 requests per 60 s per
   * user or client address), counted separately from other resources. Invalid numbers throw here.
   * @example rateLimit: { windowMs: 60_000, maxRequests: 100 }
   */
  rateLimit?: ResourceRateLimitConfig;
  /** Overrides transaction detection for custom drivers. */
  transactions?: boolean;
  /** @internal the table type, for inference. */
  readonly __table?: TTable;
}
