/**
 * The realtime hub port (DESIGN.md "Ports"; spec 20 §0–§1): a per-resource changelog with a
 * strictly increasing `seq`, and delivery of every appended entry to connected listeners in any
 * process. Matching, masking and framing happen above the port, in code every backend shares
 * (`subscription.ts`, `sse.ts`), so a backend only orders, stores and fans out.
 * @module
 */

/** What a committed write did to one row (spec 20 §1). */
export type ChangeType = "create" | "update" | "delete";

type Row = Record<string, unknown>;

/** One committed row change, before the hub numbers it. */
export interface ChangeInput {
  type: ChangeType;
  /** The row id as a string; `"*"` for a coarse entry (raw SQL, `db.batch`, external writers). */
  objectId: string;
  /** After-image (create/update); absent on coarse entries. */
  object?: Row;
  /** Before-image (update/delete), when known. */
  previousObject?: Row;
  /** The authenticated user who made the write through a route or procedure. */
  userId?: string;
  /** Why a coarse entry exists: `raw-sql-mutation` or `external-mutation` (spec 20 §6.2). */
  reason?: "raw-sql-mutation" | "external-mutation";
  /** `x-covara-optimistic-id` of the `POST /` that created the row (spec 20 §3). */
  optimisticId?: string;
  /** Outbox row id: a hub ingests each id at most once (catch-up after a failed publish). */
  outboxId?: string;
}

/** A changelog entry: a numbered change of one resource. */
export interface ChangeEntry extends ChangeInput {
  seq: number;
  resource: string;
  /** Epoch ms when the hub appended it. */
  timestamp: number;
}

/** The retained part of a resource's changelog. */
export interface ChangelogWindow {
  /** The newest position handed out (the next entry gets `head + 1`). */
  head: number;
  /** The oldest retained entry's seq; `head + 1` when nothing is retained. */
  oldest: number;
}

/**
 * A subscription limit claimed at connect (spec 20 §2): at most `limit` live connections per
 * resource may hold `key` at once, counted across every process of the deployment.
 */
export interface SlotClaim {
  key: string;
  limit: number;
  /** The problem detail when the claim fails, e.g. "Maximum 10 subscriptions per user". */
  detail: string;
}

/** Thrown by `HubBackend.connect` when a claim is over its limit. */
export class SlotLimitError extends Error {
  constructor(readonly claim: SlotClaim) {
    super(claim.detail);
    this.name = "SlotLimitError";
  }
}

/** A live connection to a resource's hub. */
export interface HubConnection {
  /** The window at the instant delivery began: every entry after `window.head` reaches `deliver`. */
  readonly window: ChangelogWindow;
  /** Stops delivery and releases the claims. Idempotent. */
  close(): void;
}

/** Options of `HubBackend.connect`. */
export interface HubConnectOptions {
  /** Limits to claim for this connection; released by `close()` (or a lease, if the process dies). */
  claims?: SlotClaim[];
  /**
   * Called when the backend lost the connection (e.g. the hub socket closed) and will deliver no
   * more: the holder must end its stream with a resumable position.
   */
  onLost?: (reason: string) => void;
}

/**
 * The hub port. Implementations: in memory (`memory-hub.ts`, one process or isolate),
 * Redis (`node-shim/redis/hub.ts`), Durable Object (`durable-objects/changelog-hub.ts`).
 */
export interface HubBackend {
  /** Backend name for logs and errors: `memory`, `redis`, `durable-object`. */
  readonly kind: string;
  /**
   * Appends one committed write's row changes in order, numbering them `head + 1 …`, and fans
   * them out. An input whose `outboxId` was already ingested is skipped (not returned).
   */
  append(resource: string, changes: ChangeInput[]): Promise<ChangeEntry[]>;
  /** The resource's current window. */
  window(resource: string): Promise<ChangelogWindow>;
  /** Retained entries with `seq > after`, ascending, at most `limit`. */
  since(resource: string, after: number, limit: number): Promise<ChangeEntry[]>;
  /**
   * Starts delivering the resource's new entries to `deliver`, in seq order, at least once each
   * (holders drop seqs they have seen and fill gaps through `since`). Rejects with
   * `SlotLimitError` when a claim is over its limit.
   */
  connect(resource: string, deliver: (entries: ChangeEntry[]) => void, options?: HubConnectOptions): Promise<HubConnection>;
  /** Releases connections and sockets. */
  close(): Promise<void>;
}

/** Changelog retention (spec 20 §1). */
export interface ChangelogRetention {
  /** Newest entries kept per resource; default 10000. */
  maxEntries?: number;
  /** Entries older than this are pruned too; default none. */
  maxAgeMs?: number;
}

/** Default number of retained entries per resource. */
export const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * A KV store that brings a hub of its own (Redis, the Durable Object KV) exposes it under this
 * key, so `setGlobalKV(...)` alone gives cross-process subscriptions (spec 30 §2, §6).
 */
export const HUB_FACTORY: unique symbol = Symbol.for("covara.hubFactory") as never;
