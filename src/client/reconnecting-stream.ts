/**
 * The connection loop shared by resource and aggregate subscriptions (spec 80 §4.6, spec 20 §9):
 * open a stream, and when it fails or ends, close it (so a native `EventSource` cannot reconnect
 * on its own and duplicate the stream) and open a new one after a full-jitter backoff, forever.
 * A 401 is refreshed once through the transport; errors that retrying cannot fix stop the loop.
 * @module
 */
import { reconnectDelay, type ReconnectOptions } from "./backoff.js";
import { TransportError } from "./errors.js";
import type { EventSourceLike, SseEvent } from "./event-source.js";
import type { Transport } from "./transport.js";
import type { Params } from "./url.js";

/** 4xx statuses a retry may cure: timeout, too early, rate limited. */
const RETRYABLE_4XX = new Set([408, 425, 429]);

/** Whether retrying cannot help (a bad filter, a missing resource, a denied caller, no streaming...). */
export function isTerminal(error: unknown): boolean {
  if ((error as { retryable?: unknown } | null)?.retryable === false) return true;
  return error instanceof TransportError && error.status >= 400 && error.status < 500 && !RETRYABLE_4XX.has(error.status);
}

/** Runs a user callback; a throwing callback is reported asynchronously and never breaks the stream. */
export function safely<A extends unknown[]>(fn: ((...args: A) => void) | undefined, ...args: A): void {
  if (!fn) return;
  try {
    fn(...args);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/** One logical stream that survives disconnects. Subclasses attach event handlers and keep state. */
export abstract class ReconnectingStream {
  protected readonly transport: Transport;
  protected readonly path: string;
  protected readonly reconnectOptions: ReconnectOptions;
  /** True between the stream's `connected` event and its end. */
  protected isLive = false;
  #source: EventSourceLike | undefined;
  #attempt = 0;
  #refreshed = false;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #watchdog: ReturnType<typeof setTimeout> | undefined;

  constructor(transport: Transport, path: string, reconnectOptions: ReconnectOptions = {}) {
    this.transport = transport;
    this.path = path;
    this.reconnectOptions = reconnectOptions;
  }

  /** Query parameters of the next connection. */
  protected abstract params(): Params;
  /** `Last-Event-ID` of the next connection, if any. */
  protected abstract lastEventId(): string | undefined;
  /** Registers handlers on a new source; `live()` is false once that source was replaced or closed. */
  protected abstract attach(source: EventSourceLike, live: () => boolean): void;
  /** A live stream dropped (it will be retried). */
  protected abstract onDrop(): void;
  /** Retrying stopped for good because of `error`. */
  protected abstract onFatal(error: unknown): void;

  /** Whether `close()` was called. */
  protected get closed(): boolean {
    return this.#closed;
  }

  /** Call from the `connected` handler: the stream is live, so backoff starts over. */
  protected markConnected(): void {
    this.isLive = true;
    this.#attempt = 0;
    this.#refreshed = false;
  }

  /** Call on every event: the stream is alive. */
  protected poke(): void {
    if (this.#watchdog !== undefined) clearTimeout(this.#watchdog);
    const stall = this.reconnectOptions.stallTimeoutMs ?? 60_000;
    if (stall <= 0 || this.transport.usesEventSourceConstructor || this.#closed) return;
    this.#watchdog = setTimeout(() => this.#drop(undefined), stall);
  }

  /** Opens a connection now (closing the current one first). */
  protected open(): void {
    this.#stop();
    if (this.#closed) return;
    let source: EventSourceLike;
    try {
      source = this.transport.createEventSource(this.path, this.params(), { lastEventId: this.lastEventId() });
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#source = source;
    const live = () => this.#source === source;
    source.addEventListener("comment", () => live() && this.poke());
    source.addEventListener("error", (event: SseEvent) => {
      // `event: error` frames carry data (and the server closes afterwards); transport errors do not.
      if (!live() || typeof event.data === "string") return;
      this.#drop(event.error);
    });
    this.attach(source, live);
    this.poke();
  }

  /** Drops the current connection without reporting it, and opens a new one at once. */
  protected restart(): void {
    this.isLive = false;
    this.open();
  }

  /** Resets the backoff and reopens now. */
  reconnect(): void {
    this.#attempt = 0;
    this.#refreshed = false;
    this.restart();
  }

  /** Ends the stream for good. */
  protected close(): void {
    this.#closed = true;
    this.isLive = false;
    this.#stop();
  }

  #stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#watchdog !== undefined) clearTimeout(this.#watchdog);
    this.#timer = this.#watchdog = undefined;
    const source = this.#source;
    this.#source = undefined;
    source?.close();
  }

  #drop(error: unknown): void {
    this.#stop();
    if (this.#closed) return;
    const wasLive = this.isLive;
    this.isLive = false;
    if (wasLive) this.onDrop();
    void this.#retry(error);
  }

  async #retry(error: unknown): Promise<void> {
    if (error instanceof TransportError && error.status === 401) {
      // One refresh per failure streak; a second 401 right after a refresh is final.
      if (!this.#refreshed && this.transport.canRefresh) {
        this.#refreshed = true;
        const token = await this.transport.refreshAuth();
        if (this.#closed) return;
        if (token) return this.open();
      }
      this.transport.onAuthError?.(error);
    }
    if (isTerminal(error)) return this.#fail(error);
    let delay = reconnectDelay(this.#attempt++, this.reconnectOptions);
    if (error instanceof TransportError && error.retryAfter !== undefined) delay = Math.max(delay, error.retryAfter * 1000);
    this.#timer = setTimeout(() => this.open(), delay);
  }

  #fail(error: unknown): void {
    this.#stop();
    this.onFatal(error);
  }
}
