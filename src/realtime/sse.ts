/**
 * One server-sent-events stream (spec 20 §3, §8, §9): frame encoding, heartbeats, and a bounded
 * outbound queue. The queue is the stream's own `ReadableStream` queue, measured in bytes: when
 * the client stops reading, the server adapter stops pulling and the queue fills; past
 * `maxQueueBytes` the backpressure policy decides, so a stalled client never grows memory. On a
 * Node response served by `startServer` the queue is the response's own write buffer instead.
 * @module
 */
import { claimNodeTarget, type AttachableStream, type NodeTarget } from "./node-target.js";

/** What happens to an event that meets a full queue (spec 20 §8). */
export type BackpressurePolicy = "invalidate" | "disconnect" | "drop";

/** Options of an SSE stream. */
export interface SseStreamOptions {
  heartbeatMs: number;
  maxQueueBytes: number;
  onBackpressure: BackpressurePolicy;
  /** Runs once when the stream ends for any reason (client gone, closed by the server). */
  onClose?: () => void;
}

const encoder = new TextEncoder();
const SLOW_CONSUMER = 'data: {"type":"invalidate","reason":"slow-consumer"}\n\n';

/** The headers of every SSE response (spec 20 §2). */
export const SSE_HEADERS: Record<string, string> = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache, no-transform",
  Connection: "keep-alive",
  "X-Accel-Buffering": "no",
  "X-Content-Type-Options": "nosniff",
};

/** Encodes one frame: optional `id:` and `event:` lines, then `data:`. */
export function frame(data: unknown, options: { id?: number; event?: string } = {}): string {
  let out = "";
  if (options.id !== undefined) out += `id: ${options.id}\n`;
  if (options.event !== undefined) out += `event: ${options.event}\n`;
  return `${out}data: ${JSON.stringify(data)}\n\n`;
}

/** JSON of event bodies that many subscribers share (one live entry, one presentation). */
const bodyJson = new WeakMap<object, string>();

/**
 * Encodes a row event (spec 20 §3) like `frame(event, { id })`, except that its `object` is
 * serialized once however many subscribers share it, and goes last. The body must not change
 * after its first event.
 */
export function eventFrame(event: { object?: unknown }, id?: number): string {
  const { object, ...rest } = event;
  if (typeof object !== "object" || object === null) return frame(event, { id });
  let body = bodyJson.get(object);
  if (body === undefined) bodyJson.set(object, (body = JSON.stringify(object)));
  const head = JSON.stringify(rest);
  const data = `${head.slice(0, -1)}${head.length > 2 ? "," : ""}"object":${body}}`;
  return `${id === undefined ? "" : `id: ${id}\n`}data: ${data}\n\n`;
}

/**
 * A writable SSE stream. It carries its frames in a `ReadableStream` body, or, when `target` is
 * given (a Node response `startServer` offered, see node-target.ts), writes them straight to that
 * response once `startServer` has sent the head; frames written before then wait in a list.
 */
export class SseStream implements AttachableStream {
  #body: ReadableStream<Uint8Array> | undefined;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  /** Node: the claimed response; `#out` is set once the head is written. */
  readonly #target: NodeTarget | undefined;
  #out: NodeTarget | undefined;
  #pending: string[] | undefined;
  #pendingBytes = 0;
  #ending = false;
  #open = true;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #waiters: (() => void)[] = [];
  readonly #options: SseStreamOptions;

  constructor(options: SseStreamOptions & { target?: NodeTarget }) {
    this.#options = options;
    this.#target = options.target;
    if (this.#target) this.#pending = [];
    else {
      this.#body = new ReadableStream<Uint8Array>(
        {
          start: (controller) => {
            this.#controller = controller;
          },
          pull: () => this.#wake(),
          cancel: () => this.#finish(),
        },
        { highWaterMark: options.maxQueueBytes, size: (chunk) => chunk.byteLength },
      );
    }
    if (options.heartbeatMs > 0) {
      this.#heartbeat = setInterval(() => this.comment(`ping ${Date.now()}`), options.heartbeatMs);
      // Node: a heartbeat must not keep the process alive on its own.
      (this.#heartbeat as { unref?: () => void }).unref?.();
    }
  }

  /** The web body (throws on a stream that writes to a Node response). */
  get body(): ReadableStream<Uint8Array> {
    if (!this.#body) throw new Error("This SSE stream writes to a Node response: use response()");
    return this.#body;
  }

  /** The route's answer: the stream as a body, or, on a Node target, a head the server takes over. */
  response(headers: Record<string, string>): Response {
    if (!this.#target) return new Response(this.body, { headers });
    claimNodeTarget(this.#target, this);
    return new Response(null, { headers });
  }

  /** Node: called by `startServer` with the final head; sends it and what was written so far. */
  attach(target: NodeTarget, status: number, headers: Record<string, string | string[]>): void {
    if (this.#out || target !== this.#target) return;
    if (target.destroyed) {
      this.#finish();
      return;
    }
    this.#out = target;
    target.on("close", () => this.#finish());
    target.writeHead(status, headers);
    const pending = this.#pending!;
    this.#pending = undefined;
    this.#pendingBytes = 0;
    if (pending.length > 0) target.write(pending.join(""), this.#flushed);
    if (this.#ending) target.end();
    else this.#wake();
  }

  get open(): boolean {
    return this.#open;
  }

  /** True while the queue is at or above its high-water mark. */
  get full(): boolean {
    if (!this.#open) return false;
    if (this.#out) return this.#out.writableLength >= this.#options.maxQueueBytes;
    if (this.#pending) return this.#pendingBytes >= this.#options.maxQueueBytes;
    return (this.#controller!.desiredSize ?? 0) <= 0;
  }

  /** Writes regardless of the mark (heartbeats, control frames, paced snapshot pages). */
  write(text: string): void {
    if (!this.#open) return;
    if (this.#out) this.#out.write(text, this.#flushed);
    else if (this.#pending) {
      this.#pending.push(text);
      this.#pendingBytes += text.length;
    } else {
      try {
        this.#controller!.enqueue(encoder.encode(text));
      } catch {
        this.#finish();
      }
    }
  }

  /** A comment line, e.g. the heartbeat `: ping <ms>`. */
  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  /**
   * Writes a live event under the backpressure policy. Returns false when the event was not
   * written (dropped, or the stream was closed because of it).
   */
  push(text: string): boolean {
    if (!this.#open) return false;
    if (!this.full) {
      this.write(text);
      return true;
    }
    const policy = this.#options.onBackpressure;
    if (policy === "drop") return false;
    if (policy === "invalidate") this.write(SLOW_CONSUMER);
    this.close();
    return false;
  }

  /** Resolves once the queue is below its mark (or the stream ended): paces snapshots. */
  drained(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Ends the stream cleanly after what is queued. */
  close(): void {
    if (!this.#open) return;
    if (this.#out) this.#out.end();
    else if (this.#pending) this.#ending = true;
    else {
      try {
        this.#controller!.close();
      } catch {
        // Already errored or cancelled.
      }
    }
    this.#finish();
  }

  /**
   * Node: runs as each write reaches the socket, and wakes paced writers once the buffer is below
   * the mark. Not `'drain'`: Node emits it only after a write crossed the socket's own high-water
   * mark (16–64 KiB), so a queue limit below that would leave a paced snapshot waiting forever.
   */
  readonly #flushed = (): void => {
    if (this.#waiters.length > 0 && !this.full) this.#wake();
  };

  #wake(): void {
    // Runs on every read the server adapter makes: nothing to allocate when nobody waits.
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }

  #finish(): void {
    if (!this.#open) return;
    this.#open = false;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#wake();
    this.#options.onClose?.();
  }
}
