/**
 * Server-sent events over `fetch` streaming, parsed by `eventsource-parser`. Unlike a native
 * `EventSource` it can send headers (a bearer token, `Last-Event-ID`), it reports the HTTP status
 * and problem body of a refused stream, it needs no DOM, and it never reconnects by itself:
 * reconnecting, with backoff and a resume position, is the subscription's job (spec 80 §4.6).
 * @module
 */
import { createParser } from "eventsource-parser";
import { TransportError } from "./errors.js";

/** An event as `EventSource` delivers it: `data` is the raw text, `lastEventId` the frame's `id:`. */
export interface SseEvent {
  type: string;
  data?: string;
  lastEventId?: string;
  /** On `error` events of `FetchEventSource`: why the stream failed (absent when it simply ended). */
  error?: unknown;
}

type Listener = (event: SseEvent) => void;

/** The part of the `EventSource` interface the client uses; native and polyfilled sources fit it. */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((event: SseEvent) => void) | null;
  onmessage: ((event: SseEvent) => void) | null;
  onerror: ((event: SseEvent) => void) | null;
  addEventListener(type: string, listener: Listener): void;
  removeEventListener(type: string, listener: Listener): void;
  close(): void;
}

/** An `EventSource` class (native or a polyfill such as `react-native-sse`); polyfills may take headers. */
export type EventSourceConstructor = new (
  url: string,
  init?: { withCredentials?: boolean; headers?: Record<string, string> },
) => EventSourceLike;

/** The runtime cannot stream a response body; retrying will not help. */
export class StreamUnsupportedError extends Error {
  /** Reconnecting cannot cure it. */
  readonly retryable = false;
  constructor() {
    super(
      "This runtime's fetch cannot stream response bodies: pass a streaming `fetch` to createClient, " +
        "or call client.transport.setEventSourceConstructor(EventSourcePolyfill)",
    );
    this.name = "StreamUnsupportedError";
  }
}

/** Options of a `FetchEventSource`. */
export interface FetchEventSourceInit {
  fetch: typeof fetch;
  /** Read when the request is sent, so a token refreshed meanwhile is used. */
  headers: () => Record<string, string>;
  credentials?: RequestCredentials;
  /** Awaited before the request (e.g. the stored token being read at start-up). */
  ready?: Promise<unknown>;
}

/** Response headers as a plain object with lower-cased names. */
export function headersOf(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    out[key.toLowerCase()] = value;
  });
  return out;
}

/** The body as JSON when it parses, else as text; `undefined` when empty. */
export async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204 || response.status === 205 || response.status === 304) return undefined;
  const text = await response.text();
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One SSE connection over `fetch`; `EventSource`-shaped, without automatic reconnection. */
export class FetchEventSource implements EventSourceLike {
  readonly url: string;
  readyState = 0;
  onopen: ((event: SseEvent) => void) | null = null;
  onmessage: ((event: SseEvent) => void) | null = null;
  onerror: ((event: SseEvent) => void) | null = null;
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #abort = new AbortController();

  constructor(url: string, init: FetchEventSourceInit) {
    this.url = url;
    // Started after the constructor returns, so listeners added right away see every event.
    void Promise.resolve().then(() => this.#run(init));
  }

  addEventListener(type: string, listener: Listener): void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.#listeners.get(type)?.delete(listener);
  }

  /** Ends the connection; no event follows. */
  close(): void {
    if (this.readyState === 2) return;
    this.readyState = 2;
    this.#abort.abort();
  }

  #dispatch(event: SseEvent): void {
    if (this.readyState === 2 && event.type !== "error") return;
    const handler = event.type === "message" ? this.onmessage : event.type === "open" ? this.onopen : event.type === "error" ? this.onerror : null;
    handler?.call(this, event);
    for (const listener of this.#listeners.get(event.type) ?? []) listener.call(this, event);
  }

  async #run(init: FetchEventSourceInit): Promise<void> {
    let failure: unknown;
    try {
      if (init.ready) await init.ready;
      if (this.readyState === 2) return;
      // Called unbound: a native fetch invoked as a method of `init` throws "Illegal invocation".
      // No `cache` option: some runtimes (older Workers) reject it, and the server sends no-cache.
      const fetchImpl = init.fetch;
      const response = await fetchImpl(this.url, { headers: init.headers(), credentials: init.credentials, signal: this.#abort.signal });
      if (!response.ok) throw new TransportError(response.status, await readBody(response), headersOf(response));
      const type = response.headers.get("content-type") ?? "";
      if (!type.includes("text/event-stream")) {
        // Typically a wrong baseUrl answered by a SPA fallback page: retrying would loop forever.
        await response.body?.cancel();
        throw Object.assign(new Error(`Expected text/event-stream from ${this.url}, got ${type || "no content type"}: check baseUrl`), { name: "StreamProtocolError", retryable: false });
      }
      const body = response.body;
      if (!body || typeof body.getReader !== "function" || typeof TextDecoder !== "function") throw new StreamUnsupportedError();
      this.readyState = 1;
      this.#dispatch({ type: "open" });
      const decoder = new TextDecoder();
      // Comments (heartbeats) are surfaced so a stall watchdog can see the stream is alive.
      const parser = createParser({
        onEvent: (message) => this.#dispatch({ type: message.event ?? "message", data: message.data, lastEventId: message.id ?? "" }),
        onComment: (comment) => this.#dispatch({ type: "comment", data: comment }),
      });
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done || this.readyState === 2) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch (error) {
      failure = error;
    }
    if (this.readyState === 2) return; // closed by the caller: silent, like EventSource.close()
    this.readyState = 2;
    this.#dispatch(failure === undefined ? { type: "error" } : { type: "error", error: failure });
  }
}
