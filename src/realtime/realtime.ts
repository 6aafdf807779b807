/**
 * The app's realtime side: which hub it uses, its `sse` defaults, and the streams it holds (so
 * a graceful shutdown can close them with a resumable position, spec 30 §3).
 * @module
 */
import { getLogger, type Logger } from "../log/logger.js";
import { getGlobalHub, hubOfStore } from "./default-hub.js";
import type { SseOptions } from "./options.js";
import type { ChangeInput, HubBackend } from "./types.js";
import { Outbox, type OutboxMode } from "./outbox/outbox.js";

/** `createCovara({ realtime })`. */
export interface RealtimeOptions {
  /**
   * The hub; default the hub of the app's `kv` (Redis, Durable Object KV), else the global hub
   * (`setGlobalHub`, else the global KV's, else in memory).
   */
  hub?: HubBackend;
  /** `sse` defaults for every resource (a resource's own `sse` wins). */
  sse?: SseOptions;
  /**
   * Record each write's changes in `covara_outbox` until the hub has them (docs/changelog.md).
   * Default `"auto"`: on with a hub outside this process (Redis, Durable Object), off in memory.
   */
  outbox?: OutboxMode;
}

const onWorkers = () => (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === "Cloudflare-Workers";

/** One app's realtime state. */
export class Realtime {
  readonly #streams = new Set<{ close(): void }>();
  #warned = false;
  #closing = false;
  /** Writes not yet confirmed by a remote hub. */
  readonly outbox: Outbox;

  /** The hub the app's own KV brings (`createCovara({ kv })` with Redis or the DO KV). */
  #kvHub: HubBackend | undefined;

  constructor(
    readonly options: RealtimeOptions = {},
    readonly logger: Logger = getLogger(),
    /** The app's KV (`createCovara({ kv })`), whose hub wins over the global default. */
    readonly kv?: unknown,
  ) {
    this.outbox = new Outbox(options.outbox ?? "auto", () => this.hub(), logger);
  }

  /** The hub, resolved at use: the global default may be set after the app was built. */
  hub(): HubBackend {
    const hub = this.options.hub ?? (this.#kvHub ??= hubOfStore(this.kv)) ?? getGlobalHub();
    if (!this.#warned && hub.kind === "memory" && onWorkers()) {
      this.#warned = true;
      this.logger.warn("Realtime runs on the in-memory hub: subscribers only see writes made in the same isolate. Bind CovaraKVDurableObject (COVARA_KV) and call setGlobalKV(createDurableObjectKV(env.COVARA_KV)) for cross-isolate delivery.");
    }
    return hub;
  }

  /**
   * Appends one committed write's changes. A hub that cannot be reached does not fail the
   * write, which has committed: with the outbox on, the changes are kept there for a later drain
   * (writes through a tracked db come this way); otherwise the error is logged.
   */
  async publish(resource: string, changes: ChangeInput[]): Promise<void> {
    if (changes.length === 0) return;
    try {
      await this.hub().append(resource, changes);
    } catch (error) {
      if (this.outbox.enabled() && (await this.outbox.keep(resource, changes))) return;
      this.logger.error(`Realtime publish failed for ${resource}; subscribers may miss ${changes.length} change(s)`, { resource, error: String(error) });
    }
  }

  /** Holds a stream until it ends; returns the release function. */
  hold(stream: { close(): void }): () => void {
    // Shutting down: a stream opened now (a kept-alive socket) ends at once; the client resumes elsewhere.
    if (this.#closing) queueMicrotask(() => stream.close());
    this.#streams.add(stream);
    return () => this.#streams.delete(stream);
  }

  /** Number of streams open. */
  get openStreams(): number {
    return this.#streams.size;
  }

  /** Closes every stream this app holds (graceful shutdown), and every one opened later: clients reconnect and resume. */
  closeAll(): void {
    this.#closing = true;
    for (const stream of [...this.#streams]) stream.close();
  }
}
