/**
 * `resource.subscribeAggregate(options, callbacks)` (spec 80 §2.1, spec 20 §11): aggregate groups
 * recomputed by the server on every change. There is nothing to resume: a reconnect simply
 * receives the current result again.
 * @module
 */
import { ReconnectingStream, safely } from "./reconnecting-stream.js";
import type { ReconnectOptions } from "./backoff.js";
import type { EventSourceLike, SseEvent } from "./event-source.js";
import type { Transport } from "./transport.js";
import type { Params } from "./url.js";

/** The query of an aggregate subscription (as for `aggregate()`, plus `having`). */
export interface AggregateSubscribeOptions {
  filter?: string;
  groupBy?: readonly string[];
  count?: boolean;
  sum?: readonly string[];
  avg?: readonly string[];
  min?: readonly string[];
  max?: readonly string[];
  having?: string;
}

/** Callbacks of an aggregate subscription. */
export interface AggregateSubscriptionCallbacks<G> {
  /** A new result (the first one arrives right after connecting). */
  onData?: (data: { groups: G[] }, seq: number) => void;
  onConnectionChange?: (connected: boolean) => void;
  /** A failed recompute (the stream stays open) or a failure that stops reconnecting. */
  onError?: (error: unknown) => void;
}

/** A live aggregate handle. */
export interface AggregateSubscription<G> {
  readonly state: { data: { groups: G[] } | null; isConnected: boolean; seq: number; error: unknown };
  unsubscribe(): void;
  reconnect(): void;
}

const parse = (data: string | undefined): Record<string, unknown> | undefined => {
  try {
    const value: unknown = data === undefined ? undefined : JSON.parse(data);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** The subscription behind `resource.subscribeAggregate`. */
export class LiveAggregateSubscription<G> extends ReconnectingStream implements AggregateSubscription<G> {
  readonly state: AggregateSubscription<G>["state"] = { data: null, isConnected: false, seq: 0, error: null };
  readonly #options: AggregateSubscribeOptions;
  readonly #callbacks: AggregateSubscriptionCallbacks<G>;
  readonly #resource: string;

  constructor(transport: Transport, resourcePath: string, options: AggregateSubscribeOptions, callbacks: AggregateSubscriptionCallbacks<G>, reconnect?: ReconnectOptions) {
    super(transport, `${resourcePath.replace(/\/+$/, "")}/aggregate/subscribe`, reconnect);
    this.#resource = resourcePath;
    this.#options = options;
    this.#callbacks = callbacks;
    this.open();
  }

  unsubscribe(): void {
    this.close();
    this.#setConnected(false);
  }

  protected params(): Params {
    const { filter, groupBy, count, sum, avg, min, max, having } = this.#options;
    return { filter, groupBy, count: count ? true : undefined, sum, avg, min, max, having };
  }

  protected lastEventId(): undefined {
    return undefined;
  }

  #setConnected(connected: boolean): void {
    if (this.state.isConnected === connected) return;
    this.state.isConnected = connected;
    safely(this.#callbacks.onConnectionChange, connected);
  }

  protected attach(source: EventSourceLike, live: () => boolean): void {
    source.addEventListener("connected", () => {
      if (!live()) return;
      this.poke();
      this.markConnected();
      this.state.error = null;
      this.#setConnected(true);
    });
    source.addEventListener("aggregate", (event: SseEvent) => {
      if (!live()) return;
      this.poke();
      const payload = parse(event.data);
      const data = payload?.data as { groups: G[] } | undefined;
      if (!data || !Array.isArray(data.groups)) return;
      const seq = Number(payload?.seq ?? 0);
      this.state.data = this.transport.reviveDates(this.#resource, data);
      this.state.seq = seq;
      safely(this.#callbacks.onData, this.state.data, seq);
    });
    source.addEventListener("error", (event: SseEvent) => {
      if (!live() || typeof event.data !== "string") return;
      const message = parse(event.data)?.error;
      const error = Object.assign(new Error(typeof message === "string" ? message : "Aggregate recompute failed"), { name: "SubscriptionError" });
      this.state.error = error;
      safely(this.#callbacks.onError, error);
    });
  }

  protected onDrop(): void {
    this.#setConnected(false);
  }

  protected onFatal(error: unknown): void {
    this.#setConnected(false);
    this.state.error = error;
    safely(this.#callbacks.onError, error);
  }
}
