/**
 * The shapes around a live subscription: its events on the wire, the output a transport
 * implements, how it starts, and its options.
 * @module
 */
import type { LiveQuery } from "./live-query.js";
import type { HubBackend, SlotClaim } from "./types.js";

type Row = Record<string, unknown>;

/** A row or invalidate event as it goes on the wire (spec 20 §3). */
export interface LiveEvent {
  id: string;
  subscriptionId: string;
  seq: number;
  timestamp: number;
  type: "existing" | "added" | "changed" | "removed" | "invalidate";
  object?: Row;
  objectId?: string;
  previousObjectId?: string;
  meta?: { optimisticId: string };
  reason?: string;
}

/** Where a subscription's frames go; the transport formats them. */
export interface LiveOutput {
  readonly open: boolean;
  connected(seq: number): void;
  /** Initial data and replay: written regardless of the queue mark (paced by `drained`). */
  initial(event: LiveEvent, id?: number): void;
  /** A live event under the backpressure policy. */
  live(event: LiveEvent, id?: number): void;
  synced(seq: number): void;
  error(message: string): void;
  drained(): Promise<void>;
  /** Ends this subscription's output (the stream, or the channel). */
  end(): void;
}

/** How the subscription starts (spec 20 §4, §5). */
export type LiveStart = { mode: "fresh" } | { mode: "hybrid"; knownIds?: string[] } | { mode: "resume"; after: number };

/** Options of a subscription. */
export interface LiveSubscriptionOptions {
  hub: HubBackend;
  resource: string;
  query: LiveQuery;
  start: LiveStart;
  output: LiveOutput;
  subscriptionId: string;
  claims?: SlotClaim[];
  /** Recheck interval (scope and session, spec 20 §7); 0 disables. */
  recheckMs: number;
  /** Whether the recheck re-resolves the scope (the resource has `auth`); the session is checked either way. */
  scoped?: boolean;
  /** Rows per snapshot page. */
  pageSize?: number;
  /** Subscriptions with the same key present rows alike (no includes): bodies are shared. */
  presentation?: object;
  /** Live entries held while the initial data is sent; past it they are re-read from the changelog. */
  maxBuffered?: number;
  onError?: (error: unknown) => void;
  /** Runs once when the subscription ends. */
  onClose?: () => void;
}
