/**
 * One shared SSE stream of `GET /__covara/stream` (spec 20 §10) and its channels. Channel frames
 * are `event: mux` / `data: {"c","n","d"}` with no `id:` line; the queue, its backpressure policy
 * and the heartbeat belong to the stream, so a slow consumer affects every channel at once
 * (spec 20 §8). Closing the stream ends every channel; ending a channel leaves the stream open.
 * @module
 */
import { frame, SseStream, type BackpressurePolicy } from "../sse.js";
import type { NodeTarget } from "../node-target.js";

/** What a channel's frame carries (spec 20 §10.4; `synced` as on a standalone stream). */
export type ChannelFrameName = "connected" | "message" | "synced" | "aggregate" | "error";

/** An open channel: its subscription or live aggregate, as far as the stream needs it. */
export interface MuxChannel {
  /** Ends the channel's subscription (idempotent). */
  close(): void;
}

/** Options of a shared stream. */
export interface MuxStreamOptions {
  /** The user id the stream is bound to, or `"anonymous"`. */
  owner: string;
  heartbeatMs: number;
  maxQueueBytes: number;
  onBackpressure: BackpressurePolicy;
  maxChannels: number;
  /** Runs once when the stream ends, after its channels were closed. */
  onClose?: () => void;
  /** The Node response to write to directly (see node-target.ts). */
  target?: NodeTarget;
}

/** A shared stream and the channels open on it. */
export class MuxStream {
  readonly cid: string = crypto.randomUUID();
  readonly owner: string;
  readonly maxChannels: number;
  readonly #stream: SseStream;
  readonly #channels = new Map<string, MuxChannel>();
  readonly #onClose: (() => void) | undefined;

  constructor(options: MuxStreamOptions) {
    this.owner = options.owner;
    this.maxChannels = options.maxChannels;
    this.#onClose = options.onClose;
    this.#stream = new SseStream({
      heartbeatMs: options.heartbeatMs,
      maxQueueBytes: options.maxQueueBytes,
      onBackpressure: options.onBackpressure,
      target: options.target,
      onClose: () => this.#ended(),
    });
  }

  /** The route's answer (see `SseStream.response`). */
  response(headers: Record<string, string>): Response {
    return this.#stream.response(headers);
  }

  get open(): boolean {
    return this.#stream.open;
  }

  /** Number of channels open or being opened. */
  get channels(): number {
    return this.#channels.size;
  }

  /** Sends the first frame, `event: ready` with the stream id. */
  ready(): void {
    this.#stream.write(frame({ cid: this.cid }, { event: "ready" }));
  }

  /** True when `channelId` is taken (open or being opened). */
  has(channelId: string): boolean {
    return this.#channels.has(channelId);
  }

  /** Takes `channelId` for `channel`; false when it is taken or the stream has ended. */
  claim(channelId: string, channel: MuxChannel): boolean {
    if (!this.open || this.#channels.has(channelId)) return false;
    this.#channels.set(channelId, channel);
    return true;
  }

  /** True while `channel` holds `channelId` on an open stream. */
  holds(channelId: string, channel: MuxChannel): boolean {
    return this.open && this.#channels.get(channelId) === channel;
  }

  /** Forgets `channel` (if it still holds `channelId`) without closing it or the stream. */
  release(channelId: string, channel: MuxChannel): void {
    if (this.#channels.get(channelId) === channel) this.#channels.delete(channelId);
  }

  /** Ends one channel; unknown ids are ignored. */
  closeChannel(channelId: string): void {
    const channel = this.#channels.get(channelId);
    if (!channel) return;
    this.#channels.delete(channelId);
    channel.close();
  }

  /**
   * Writes a channel frame. `live` frames meet the stream's backpressure policy; others are
   * written regardless of the mark (snapshots are paced by `drained`). `id` is the position a
   * standalone stream would put on an `id:` line: carried inside the envelope instead, so a
   * client can still resume a channel precisely. Returns false when nothing was written.
   */
  send(channelId: string, name: ChannelFrameName, payload: unknown, options: { id?: number; live?: boolean } = {}): boolean {
    if (!this.open) return false;
    const envelope: Record<string, unknown> = { c: channelId, n: name, d: payload };
    if (options.id !== undefined) envelope.id = options.id;
    const text = frame(envelope, { event: "mux" });
    if (options.live) return this.#stream.push(text);
    this.#stream.write(text);
    return this.open;
  }

  /** Resolves once the shared queue is below its mark (or the stream ended). */
  drained(): Promise<void> {
    return this.#stream.drained();
  }

  /** Ends the stream (and with it every channel). */
  close(): void {
    this.#stream.close();
  }

  #ended(): void {
    const channels = [...this.#channels.values()];
    this.#channels.clear();
    for (const channel of channels) channel.close();
    this.#onClose?.();
  }
}

/** The shared streams one app holds, by `cid`; a control POST finds its stream here. */
export class MuxRegistry {
  readonly #streams = new Map<string, MuxStream>();

  /** Registers a stream until it ends. */
  add(stream: MuxStream): void {
    this.#streams.set(stream.cid, stream);
  }

  get(cid: string): MuxStream | undefined {
    return this.#streams.get(cid);
  }

  delete(stream: MuxStream): void {
    if (this.#streams.get(stream.cid) === stream) this.#streams.delete(stream.cid);
  }

  /** Number of open shared streams. */
  get size(): number {
    return this.#streams.size;
  }
}
