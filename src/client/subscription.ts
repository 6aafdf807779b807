/**
 * `resource.subscribe(options, callbacks)` (spec 80 §2.1, spec 20 §3–§5, §9): a live, resumable
 * view of the rows matching a filter. The resume position is a changelog position: set by the
 * `synced` frame and advanced by `id:` lines, never by the per-connection `seq` of row events.
 * A connection cut before `synced` on a fresh start restarts fresh; `invalidate` drops the view
 * and starts over.
 * @module
 */
import { ReconnectingStream, safely } from "./reconnecting-stream.js";
import type { ReconnectOptions } from "./backoff.js";
import type { EventSourceLike, SseEvent } from "./event-source.js";
import type { Transport } from "./transport.js";
import type { Params } from "./url.js";

/** What to subscribe to. */
export interface SubscribeOptions {
  /** RSQL filter, ANDed with the server's subscribe scope. */
  filter?: string;
  /** Relations to embed in events. */
  include?: string | readonly string[];
  /** Start from this changelog position instead of a snapshot. */
  resumeFrom?: number;
  /** No `existing` snapshot (the caller loaded the rows itself). */
  skipExisting?: boolean;
  /** With `skipExisting`: ids the caller already holds. */
  knownIds?: readonly (string | number)[];
}

/** `meta` of an `added` event. */
export interface AddedMeta {
  /** The `X-Covara-Optimistic-Id` of the create that produced the row. */
  optimisticId?: string;
}

/** Subscription callbacks (README, spec 20 §9). All optional. */
export interface SubscriptionCallbacks<T> {
  /** The stream is live; `seq` is the changelog head at registration. */
  onConnected?: (seq: number) => void;
  /** The initial data (snapshot or replay) is complete; `seq` is now the resume position. */
  onSynced?: (seq: number) => void;
  /** A row of the initial snapshot. */
  onExisting?: (item: T) => void;
  /** A row entered the view. */
  onAdded?: (item: T, meta?: AddedMeta) => void;
  /** A row in the view changed. */
  onChanged?: (item: T, previousObjectId?: string) => void;
  /** A row left the view (deleted, or no longer matching). */
  onRemoved?: (id: string) => void;
  /** The server cannot describe what changed: the view is cleared and rebuilt from a fresh snapshot. */
  onInvalidate?: (reason?: string) => void;
  /** A live stream dropped; the subscription reconnects by itself. */
  onDisconnected?: () => void;
  /** A server error frame, or a failure that retrying cannot fix (then reconnecting stops). */
  onError?: (error: unknown) => void;
}

/** Observable state of a subscription. */
export interface SubscriptionState<T> {
  /** The current view, by id (as a string). */
  items: Map<string, T>;
  isConnected: boolean;
  /** Changelog position to resume from; 0 until the first `synced`. */
  lastSeq: number;
  error: unknown;
}

/** A live subscription handle. */
export interface Subscription<T> {
  readonly state: SubscriptionState<T>;
  /** The current view as an array. */
  readonly items: T[];
  /** Closes the stream for good and clears the view. */
  unsubscribe(): void;
  /** Resets the backoff and reopens now, resuming from `lastSeq`. */
  reconnect(): void;
  /** Reopens now, resuming after changelog position `seq`. */
  resumeFrom(seq: number): void;
}

interface RowEvent {
  type?: string;
  object?: Record<string, unknown>;
  objectId?: string | number;
  previousObjectId?: string | number;
  meta?: AddedMeta;
  reason?: string;
}

const parse = (data: string | undefined): unknown => {
  try {
    return data === undefined ? undefined : JSON.parse(data);
  } catch {
    return undefined;
  }
};

/** The subscription behind `resource.subscribe`. */
export class ResourceSubscription<T> extends ReconnectingStream implements Subscription<T> {
  readonly state: SubscriptionState<T> = { items: new Map(), isConnected: false, lastSeq: 0, error: null };
  readonly #resource: string;
  readonly #options: SubscribeOptions;
  readonly #callbacks: SubscriptionCallbacks<T>;
  /** Ids held from before a fresh restart; whatever the new snapshot does not repeat is gone. */
  #stale: Set<string> | undefined;

  constructor(transport: Transport, resourcePath: string, options: SubscribeOptions, callbacks: SubscriptionCallbacks<T>, reconnect?: ReconnectOptions) {
    super(transport, `${resourcePath.replace(/\/+$/, "")}/subscribe`, reconnect);
    this.#resource = resourcePath;
    this.#options = options;
    this.#callbacks = callbacks;
    if (options.resumeFrom !== undefined && options.resumeFrom > 0) this.state.lastSeq = options.resumeFrom;
    this.open();
  }

  get items(): T[] {
    return [...this.state.items.values()];
  }

  unsubscribe(): void {
    this.close();
    this.state.isConnected = false;
    this.state.items.clear();
  }

  override reconnect(): void {
    this.state.isConnected = false;
    this.state.error = null;
    super.reconnect();
  }

  resumeFrom(seq: number): void {
    this.state.lastSeq = seq > 0 ? seq : 0;
    this.reconnect();
  }

  protected params(): Params {
    const { filter, include, skipExisting, knownIds } = this.#options;
    const lastSeq = this.state.lastSeq;
    return {
      filter,
      include,
      resumeFrom: lastSeq > 0 ? lastSeq : undefined,
      skipExisting: skipExisting ? true : undefined,
      knownIds: skipExisting && knownIds && knownIds.length > 0 ? knownIds.map(String) : undefined,
    };
  }

  protected lastEventId(): string | undefined {
    return this.state.lastSeq > 0 ? String(this.state.lastSeq) : undefined;
  }

  protected override open(): void {
    // A fresh snapshot (no position) replaces the view: remember what was there to sweep at `synced`.
    const fresh = this.state.lastSeq === 0 && !this.#options.skipExisting;
    this.#stale = fresh && this.state.items.size > 0 ? new Set(this.state.items.keys()) : undefined;
    super.open();
  }

  protected attach(source: EventSourceLike, live: () => boolean): void {
    source.addEventListener("connected", (event: SseEvent) => {
      if (!live()) return;
      this.poke();
      const seq = Number((parse(event.data) as { seq?: unknown } | undefined)?.seq ?? 0);
      this.markConnected();
      this.state.isConnected = true;
      this.state.error = null;
      safely(this.#callbacks.onConnected, seq);
    });
    source.addEventListener("synced", (event: SseEvent) => {
      if (!live()) return;
      this.poke();
      const seq = Number((parse(event.data) as { seq?: unknown } | undefined)?.seq ?? event.lastEventId);
      if (!Number.isFinite(seq) || seq < 0) return;
      this.state.lastSeq = seq;
      for (const id of this.#stale ?? []) {
        this.state.items.delete(id);
        safely(this.#callbacks.onRemoved, id);
      }
      this.#stale = undefined;
      safely(this.#callbacks.onSynced, seq);
    });
    source.addEventListener("error", (event: SseEvent) => {
      if (!live() || typeof event.data !== "string") return;
      const message = (parse(event.data) as { error?: unknown } | undefined)?.error;
      const error = Object.assign(new Error(typeof message === "string" ? message : "Subscription failed"), { name: "SubscriptionError" });
      this.state.error = error;
      safely(this.#callbacks.onError, error);
    });
    source.onmessage = (event: SseEvent) => {
      if (!live()) return;
      this.poke();
      const row = parse(event.data) as RowEvent | undefined;
      if (row && typeof row === "object") this.#apply(row);
      // The SSE `id:` line is the changelog position of a replayed or live event (spec 20 §3).
      const position = event.lastEventId ? Number(event.lastEventId) : NaN;
      if (live() && Number.isFinite(position) && position > 0) this.state.lastSeq = position;
    };
  }

  #apply(event: RowEvent): void {
    const items = this.state.items;
    const callbacks = this.#callbacks;
    const object = event.object ? this.transport.reviveDates(this.#resource, event.object) : undefined;
    const id = object?.id !== undefined && object.id !== null ? String(object.id) : undefined;
    switch (event.type) {
      case "existing":
      case "added":
      case "changed": {
        if (!object || id === undefined) return;
        const previous = event.previousObjectId === undefined ? undefined : String(event.previousObjectId);
        if (previous !== undefined && previous !== id) items.delete(previous);
        items.set(id, object as T);
        this.#stale?.delete(id);
        if (event.type === "existing") safely(callbacks.onExisting, object as T);
        else if (event.type === "added") safely(callbacks.onAdded, object as T, event.meta);
        else safely(callbacks.onChanged, object as T, previous);
        return;
      }
      case "removed": {
        if (event.objectId === undefined) return;
        const removed = String(event.objectId);
        items.delete(removed);
        safely(callbacks.onRemoved, removed);
        return;
      }
      case "invalidate":
        // Spec 20 §5: the callback first, then drop the view and the position, and start over.
        safely(callbacks.onInvalidate, event.reason);
        if (this.closed) return;
        items.clear();
        this.state.lastSeq = 0;
        this.state.isConnected = false;
        this.restart();
        return;
    }
  }

  protected onDrop(): void {
    this.state.isConnected = false;
    safely(this.#callbacks.onDisconnected);
  }

  protected onFatal(error: unknown): void {
    this.state.isConnected = false;
    this.state.error = error;
    safely(this.#callbacks.onError, error);
  }
}
