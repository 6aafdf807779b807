/**
 * The public shapes of `trackMutations` (spec 20 §12): which tables to track, the options, what
 * `onMutation` receives, and the type of a tracked db.
 * @module
 */
import type { Column, Table } from "drizzle-orm";
import type { CustomOperators } from "../../rsql/index.js";
import type { ChangeInput, ChangeType, HubBackend } from "../types.js";

/** One table to track: its Drizzle table and primary-key column. */
export interface TrackedTable {
  table: Table;
  /** The single-column primary key; entries carry it as `objectId`. */
  id: Column;
  /** The hub's resource name; default the table name, which is what generated endpoints use. */
  resourceName?: string;
  /** Accepted for compatibility with Covara's table map; tracking does not evaluate filters. */
  customOperators?: CustomOperators;
}

/** A committed change as `onMutation` sees it: the changelog input plus its resource. */
export interface TrackedMutation extends ChangeInput {
  resource: string;
}

/** A raw SQL statement (or `db.batch` item) that wrote to a tracked table. */
export interface RawSqlMutation {
  resource: string;
  type: ChangeType;
  /** The statement text as sent to the database. */
  sql: string;
}

/** Options of `trackMutations`. */
export interface TrackMutationsOptions {
  /** Called after commit for every recorded change (row and coarse). Errors are logged, not thrown. */
  onMutation?: (mutation: TrackedMutation) => void | Promise<void>;
  /** Called after commit for every raw SQL or batch statement detected as a write. */
  onRawSqlMutation?: (mutation: RawSqlMutation) => void | Promise<void>;
  /** Resource names never recorded. */
  skipTables?: string[];
  /**
   * Record writes inside `db.transaction(fn)` (buffered until commit). Default true; false hands
   * `fn` the plain transaction, whose writes are not recorded.
   */
  trackTransactions?: boolean;
  /**
   * Read the rows an update or delete will touch before it runs (before-images and the affected
   * ids). Default true. Without it only `.returning()` names rows; anything else is a coarse entry.
   */
  capturePreviousState?: boolean;
  /**
   * Append changes to the hub. Default true. The hub is both the changelog and the fan-out, so
   * false records nothing anywhere: only `onMutation` sees the changes.
   */
  pushToSubscriptions?: boolean;
  /**
   * The hub to publish on, resolved when a change is published (not when the db is wrapped).
   * Default: inside a resource's hooks and procedures, that app's hub; elsewhere `getGlobalHub()`.
   */
  hub?: HubBackend;
}

/** Extra methods of a tracked db. */
export interface TrackedDbMethods<TDb> {
  /**
   * Runs `fn` with the untracked base db (or transaction): nothing `fn` writes is recorded.
   * Concurrent work through the tracked db stays tracked.
   * @example await db.withoutTracking((raw) => raw.delete(sessions).where(lt(sessions.expires, now)));
   */
  withoutTracking<R>(fn: (db: TDb) => R): R;
}

/** A Drizzle db whose writes to registered tables reach the changelog. */
export type TrackedDb<TDb> = TDb & TrackedDbMethods<TDb>;
