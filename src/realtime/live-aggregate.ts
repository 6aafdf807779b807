/**
 * One live aggregate's state machine (spec 20 §11), shared by the standalone stream
 * (`GET <mount>/aggregate/subscribe`) and multiplexed channels. Every hub entry of the resource
 * may schedule a recompute; recomputes are debounced (one per window however long the burst),
 * skipped when the changed rows provably lie outside the subscriber's rows, and a result is only
 * sent when it differs from the last one sent, whatever the order of its groups.
 * @module
 */
import { isProduction } from "../env/runtime-env.js";
import type { AggregateGroup } from "../resource/aggregate/query.js";
import type { ChangeEntry, HubBackend, HubConnection, SlotClaim } from "./types.js";

type Row = Record<string, unknown>;

/** The payload of an `aggregate` frame. */
export interface AggregateBody {
  data: { groups: AggregateGroup[] };
  seq: number;
}

/** Where a live aggregate's frames go; the transport formats them. */
export interface AggregateOutput {
  readonly open: boolean;
  connected(seq: number): void;
  /**
   * The snapshot (`live` false, written regardless of the queue mark) or a changed result.
   * Returns false when the frame was not written (dropped under backpressure, or closed).
   */
  aggregate(body: AggregateBody, live: boolean): boolean;
  /** A recompute failed; the output stays open. */
  error(message: string): void;
  /** Ends this aggregate's output (the stream, or the channel). */
  end(): void;
}

/** Options of a live aggregate. */
export interface LiveAggregateOptions {
  hub: HubBackend;
  resource: string;
  claims?: SlotClaim[];
  /** Runs the aggregate query with the scope and filter resolved at connect. */
  compute(): Promise<AggregateGroup[]>;
  /**
   * Whether a row image may count towards the result (scope ∧ filter). Undefined: every entry
   * recomputes (join scopes, scopes that differ from the read scope, matcher errors).
   */
  counts?: (row: Row) => boolean;
  debounceMs: number;
  output: AggregateOutput;
  onError?: (error: unknown) => void;
  /** Runs once when the aggregate ends. */
  onClose?: () => void;
}

/** Sorted serialized groups: equal results compare equal whatever the `GROUP BY` order. */
export function resultKey(groups: AggregateGroup[]): string {
  return groups
    .map((group) => JSON.stringify(group))
    .sort()
    .join("\n");
}

/** A live aggregate. Call `connect()` before answering (it may refuse or fail), then `run()`. */
export class LiveAggregate {
  readonly #o: LiveAggregateOptions;
  #conn: HubConnection | undefined;
  #snapshot: AggregateGroup[] = [];
  #sentKey = "";
  /** The newest changelog position seen. */
  #seq = 0;
  #live = false;
  /** A relevant entry arrived while no recompute could be scheduled yet. */
  #pending = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #computing = false;
  #closed = false;

  constructor(options: LiveAggregateOptions) {
    this.#o = options;
  }

  /**
   * Registers with the hub (claims limits; may throw `SlotLimitError`), captures the head, then
   * computes the snapshot, so a query error is still an ordinary failure of the caller.
   */
  async connect(): Promise<void> {
    this.#conn = await this.#o.hub.connect(this.#o.resource, (entries) => this.#receive(entries), {
      claims: this.#o.claims,
      onLost: () => this.close(),
    });
    this.#seq = Math.max(this.#seq, this.#conn.window.head);
    try {
      this.#snapshot = await this.#o.compute();
    } catch (error) {
      this.#conn.close();
      this.#closed = true;
      throw error;
    }
  }

  /** Sends `connected` and the snapshot (`seq` = head, even when empty), then goes live. */
  run(): void {
    if (this.#closed) return;
    const head = this.#conn!.window.head;
    const out = this.#o.output;
    out.connected(head);
    this.#sentKey = resultKey(this.#snapshot);
    out.aggregate({ data: { groups: this.#snapshot }, seq: head }, false);
    this.#snapshot = [];
    this.#live = true;
    if (this.#pending) this.#schedule();
  }

  /** Unregisters from the hub and stops the timer. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#conn?.close();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#o.output.end();
    this.#o.onClose?.();
  }

  #receive(entries: ChangeEntry[]): void {
    if (this.#closed) return;
    for (const entry of entries) if (entry.seq > this.#seq) this.#seq = entry.seq;
    if (!entries.some((entry) => this.#affects(entry))) return;
    if (this.#live) this.#schedule();
    else this.#pending = true;
  }

  /** False only when every changed row image lies outside scope ∧ filter (spec 20 §11). */
  #affects(entry: ChangeEntry): boolean {
    const counts = this.#o.counts;
    const images = [entry.object, entry.previousObject].filter((row): row is Row => row !== undefined);
    if (!counts || entry.objectId === "*" || images.length === 0) return true;
    try {
      return images.some((row) => counts(row));
    } catch {
      return true;
    }
  }

  /** At most one recompute per window: entries during a window or a running query join it. */
  #schedule(): void {
    if (this.#closed || this.#timer) return;
    if (this.#computing) {
      this.#pending = true;
      return;
    }
    this.#pending = false;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#recompute();
    }, this.#o.debounceMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  async #recompute(): Promise<void> {
    if (this.#closed) return;
    this.#computing = true;
    // The result covers at least every entry seen before the query started.
    const seq = this.#seq;
    const out = this.#o.output;
    try {
      const groups = await this.#o.compute();
      const key = resultKey(groups);
      // A dropped frame leaves the last sent result in place, so the next change resends.
      if (!this.#closed && out.open && key !== this.#sentKey && out.aggregate({ data: { groups }, seq }, true)) this.#sentKey = key;
    } catch (error) {
      this.#o.onError?.(error);
      // Database messages can name tables and columns: production says less.
      const message = !isProduction() && error instanceof Error ? error.message : "Aggregate recompute failed";
      if (!this.#closed && out.open) out.error(message);
    } finally {
      this.#computing = false;
      if (this.#pending) this.#schedule();
    }
  }
}
