/**
 * `createLiveQuery` (spec 80 §7.1, §6.3): a live list that fetches its first page with `GET /`,
 * then subscribes with `skipExisting` and the ids it holds (spec 20 §4, hybrid start), places
 * events per `subscriptionMode`, refetches on `invalidate`, and shows optimistic writes at once.
 * Framework-free: React, or anything else, reads `getSnapshot()` and listens with `subscribe()`.
 * @module
 */
import type { CovaraClient } from "../client.js";
import { TransportError } from "../errors.js";
import { isTerminal, safely } from "../reconnecting-stream.js";
import { reconnectDelay } from "../backoff.js";
import type { ListResult, Row } from "../resource-types.js";
import type { ResourceClient } from "../resource.js";
import type { Subscription } from "../subscription.js";
import { watchConnectivity } from "./connectivity.js";
import { LiveWrites } from "./live-writes.js";
import { ManagerFollower, type LiveOfflineManager } from "./offline-events.js";
import { OptimisticState } from "./optimistic.js";
import { effectiveMode } from "./ordering.js";
import { LiveRows } from "./rows.js";
import type { LiveMutate, LiveQuery, LiveQueryCallbacks, LiveQueryOptions, LiveSnapshot, LiveStatus } from "./types.js";

/** What a live list needs from its client. */
export type LiveClient = Pick<CovaraClient, "offline" | "getPendingCount" | "transport">;

/** Extra inputs of `createLiveQuery`. */
export interface LiveQueryContext<T> {
  /** Where the offline manager and auth error handler come from; default the registered client. */
  client?: LiveClient;
  /** A page fetched earlier (`client.prefetch`): shown at once, then refreshed by the stream. */
  seed?: ListResult<T>;
}

/** Beyond this many held ids the subscription goes without `knownIds` (the URL would get long). */
const MAX_KNOWN_IDS = 500;
/** How often the offline queue length is polled (spec 80 §7.1). */
const PENDING_POLL_MS = 2000;

type Fields = Record<string, unknown>;

/**
 * Creates and starts a live list over `resource`.
 * @example
 * const todos = createLiveQuery(client.resource<Todo>("/api/todos"), { orderBy: "position" });
 * const stop = todos.subscribe(() => render(todos.getSnapshot().items));
 * const tempId = todos.mutate.create({ title: "New todo" });
 */
export function createLiveQuery<T extends Row>(
  resource: ResourceClient<T, any>,
  options: LiveQueryOptions<T, any> = {},
  callbacks: LiveQueryCallbacks = {},
  context: LiveQueryContext<T> = {},
): LiveQuery<T> {
  return new LiveList<T>(resource, options, callbacks, context);
}

/** The live list behind `createLiveQuery` and the React list hooks. */
export class LiveList<T extends Row> implements LiveQuery<T> {
  readonly path: string;
  readonly options: Readonly<Fields>;
  readonly mutate: LiveMutate<T>;
  readonly #resource: ResourceClient<T, any>;
  readonly #opts: LiveQueryOptions<T, any>;
  readonly #callbacks: LiveQueryCallbacks;
  readonly #client: LiveClient | undefined;
  readonly #rows: LiveRows<T>;
  readonly #local = new OptimisticState<T>();
  readonly #writes: LiveWrites<T>;
  readonly #listeners = new Set<() => void>();
  #snapshot: LiveSnapshot<T>;
  #sub: Subscription<T> | undefined;
  #cursor: string | null = null;
  #total: number | undefined;
  #loaded = false;
  #synced = false;
  /** The list has been live (exact and streaming) before: a drop is then "reconnecting". */
  #everLive = false;
  /** The stream started without a position: what changed between the page and it is unknown. */
  #unverified = false;
  #verifying = false;
  #offline = false;
  #fatal = false;
  #error: unknown = null;
  #loadingMore = false;
  #refreshing: Promise<void> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  #poll: ReturnType<typeof setInterval> | undefined;
  readonly #manager: ManagerFollower;
  #destroyed = false;
  readonly #stopBrowser: () => void;

  constructor(resource: ResourceClient<T, any>, options: LiveQueryOptions<T, any>, callbacks: LiveQueryCallbacks, context: LiveQueryContext<T>) {
    this.#resource = resource;
    this.path = resource.path;
    this.#opts = options;
    this.options = { ...options } as Fields;
    this.#callbacks = callbacks;
    this.#client = context.client ?? (globalThis as { __covaraClient?: LiveClient }).__covaraClient;
    this.#rows = new LiveRows<T>(effectiveMode(options.subscriptionMode, options.limit), options.orderBy);
    this.#writes = new LiveWrites<T>({
      resource,
      local: this.#local,
      rows: this.#rows,
      manager: () => this.#client?.offline as LiveOfflineManager | undefined,
      total: (delta) => {
        if (this.#total !== undefined) this.#total = Math.max(0, this.#total + delta);
      },
      changed: () => this.#emit(),
      failed: (error) => this.#fail(error),
    });
    this.mutate = this.#writes.mutate;
    if (context.seed) this.#accept(context.seed, false);
    const connectivity = watchConnectivity((online) => {
      if (online) return this.#backOnline();
      this.#offline = true;
      this.#emit();
    });
    this.#offline = connectivity.offline;
    this.#stopBrowser = connectivity.stop;
    this.#manager = new ManagerFollower(() => this.#client?.offline as LiveOfflineManager | undefined, this.path, {
      remap: (optimisticId, serverId) => this.remapId(optimisticId, serverId),
      synced: (mutation, data) => {
        this.#writes.synced(mutation, data as T | undefined);
        this.#emit();
      },
      dropped: (mutation, error) => {
        this.#writes.dropped(mutation, error);
        this.#emit();
      },
      refresh: () => void this.refresh(),
      online: (online) => (online ? this.#backOnline() : this.#emit()),
      changed: () => {
        if (this.#snapshot.pendingCount !== this.#pending()) this.#emit();
      },
    });
    this.#snapshot = this.#build();
    this.#poll = setInterval(() => {
      this.#manager.follow();
      if (this.#snapshot.pendingCount !== this.#pending()) this.#emit();
    }, PENDING_POLL_MS);
    void this.refresh();
  }

  getSnapshot = (): LiveSnapshot<T> => this.#snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** The current page as a list result (what `client.prefetch` returns for a cached live list). */
  get data(): ListResult<T> {
    const { items, hasMore, totalCount } = this.#snapshot;
    return { items, nextCursor: this.#cursor, hasMore, ...(totalCount === undefined ? {} : { totalCount }) };
  }

  resolveId = (id: string): string => this.#writes.resolve(id);

  remapId = (optimisticId: string, serverId: string): void => {
    this.#writes.reconcile(optimisticId, String(serverId));
    this.#emit();
  };

  /** Reloads the first page; concurrent calls share one request. */
  refresh(): Promise<void> {
    if (this.#destroyed) return Promise.resolve();
    return (this.#refreshing ??= this.#load().finally(() => {
      this.#refreshing = undefined;
    }));
  }

  async loadMore(): Promise<void> {
    if (this.#destroyed || this.#loadingMore || !this.#rows.hasMore || !this.#cursor) return;
    this.#loadingMore = true;
    this.#emit();
    try {
      const page = await this.#resource.list({ ...this.#listOptions(), cursor: this.#cursor });
      if (this.#destroyed) return;
      this.#rows.appendPage(page.items.map((row) => this.#project(row)), page.hasMore);
      this.#cursor = page.nextCursor;
      if (page.totalCount !== undefined) this.#total = page.totalCount + this.#writes.unsentDelta();
      // The stream learned only the first page's ids: resume it so the server knows every held row.
      const seq = this.#sub?.state.lastSeq ?? 0;
      if (this.#sub && seq > 0) this.#sub.resumeFrom(seq);
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#loadingMore = false;
      this.#emit();
    }
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#sub?.unsubscribe();
    this.#sub = undefined;
    if (this.#retry) clearTimeout(this.#retry);
    if (this.#poll) clearInterval(this.#poll);
    this.#manager.stop();
    this.#stopBrowser();
    this.#local.clear();
    this.#listeners.clear();
  }

  #listOptions() {
    const { filter, include, orderBy, limit } = this.#opts;
    // Rows are kept by id: a projection always brings it (items are `Pick<T, K | "id">`).
    const fields = this.#opts.select as readonly string[] | undefined;
    const select = fields && fields.length > 0 && !fields.includes("id") ? [...fields, "id"] : fields;
    return { filter, include, orderBy, limit, select: select as never, totalCount: true };
  }

  /** Loads the first page, then (re)subscribes when no stream is open. */
  async #load(): Promise<void> {
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#rows.beginRefetch();
    try {
      const page = await this.#resource.list(this.#listOptions());
      if (this.#destroyed) return;
      this.#attempt = 0;
      this.#accept(page, true);
      if (!this.#sub) this.#subscribe();
      this.#emit();
    } catch (error) {
      if (this.#destroyed) return;
      this.#rows.cancelRefetch();
      if (error instanceof TransportError && error.status === 401) this.#client?.transport.onAuthError?.(error);
      if (isTerminal(error)) this.#fatal = true;
      else this.#retry = setTimeout(() => void this.refresh(), reconnectDelay(this.#attempt++));
      this.#fail(error);
    }
  }

  #accept(page: ListResult<T>, fromServer: boolean): void {
    const rows = page.items.map((row) => this.#project(row));
    this.#rows.replaceAll(rows, page.hasMore);
    this.#cursor = page.nextCursor;
    if (page.totalCount !== undefined) this.#total = page.totalCount + this.#writes.unsentDelta();
    this.#loaded = true;
    this.#fatal = false;
    this.#error = null;
    if (fromServer) this.#local.settle(new Set(rows.map((row) => String(row.id))));
  }

  #subscribe(): void {
    const ids = this.#rows.rows.map((row) => String(row.id));
    this.#synced = false;
    this.#unverified = true;
    this.#sub = this.#resource.subscribe(
      {
        filter: this.#opts.filter,
        include: this.#opts.include,
        skipExisting: true,
        knownIds: ids.length <= MAX_KNOWN_IDS ? ids : undefined,
      },
      {
        onSynced: () => {
          this.#synced = true;
          this.#fatal = false;
          if (!this.#unverified) this.#everLive = true;
          else {
            // A write committed after the page was read but before the stream registered reaches
            // neither (spec 20 §4 hybrid start): one refetch now, merged under the live events,
            // makes the view exact. A resumed stream replays instead and needs none.
            this.#unverified = false;
            this.#verifying = true;
            void this.refresh().finally(() => {
              this.#verifying = false;
              this.#everLive ||= this.#synced;
              this.#emit();
            });
          }
          this.#emit();
        },
        onAdded: (item, meta) => this.#upsert(item, meta?.optimisticId),
        onChanged: (item) => this.#upsert(item, undefined, true),
        onRemoved: (id) => {
          const held = this.#rows.remove(id);
          this.#local.dropPatch(id);
          if (this.#local.isDeleted(id)) this.#local.unremove(id);
          else if (held && this.#total !== undefined) this.#total = Math.max(0, this.#total - 1);
          this.#emit();
        },
        onInvalidate: () => {
          // Spec 20 §5: drop the stream, refetch, and subscribe afresh with the new page's ids.
          this.#sub?.unsubscribe();
          this.#sub = undefined;
          this.#synced = false;
          this.#emit();
          void this.refresh();
        },
        onDisconnected: () => {
          this.#synced = false;
          this.#emit();
        },
        onError: (error) => {
          // `SubscriptionError`: a server error frame (the stream reconnects); anything else stopped it.
          if ((error as { name?: string } | null)?.name !== "SubscriptionError") {
            // The stream gave up (a 4xx): `refresh()` (after a sign-in, say) starts a new one.
            this.#fatal = true;
            this.#synced = false;
            this.#sub?.unsubscribe();
            this.#sub = undefined;
          }
          this.#fail(error);
        },
      },
    );
  }

  #upsert(raw: T, optimisticId: string | undefined, changed = false): void {
    const row = this.#project(raw);
    const id = String(row.id);
    if (optimisticId && this.#writes.reconcile(optimisticId, id, row, true)) return this.#emit();
    if (changed) this.#local.confirm(row);
    const known = this.#rows.has(id);
    const held = this.#rows.place(row);
    // Holding every matching row, a row new to us is one more on the server too.
    if (held && !known && !this.#rows.hasMore && !changed && this.#total !== undefined) this.#total++;
    this.#emit();
  }

  /** Event objects carry every readable field; a `select`ed list shows only the selected ones. */
  #project(row: T): T {
    const fields = row as unknown as Fields;
    const select = this.#opts.select as readonly string[] | undefined;
    if (!select || select.length === 0) {
      if (!("_optimisticId" in fields)) return row;
      const { _optimisticId: _echo, ...rest } = fields;
      return rest as T;
    }
    const out: Fields = { id: fields.id };
    for (const key of select) if (key in fields) out[key] = fields[key];
    return out as T;
  }

  #fail(error: unknown): void {
    this.#error = error;
    safely(this.#callbacks.onError, error);
    this.#emit();
  }

  #pending(): number {
    return this.#client?.getPendingCount() ?? 0;
  }

  #status(): LiveStatus {
    if (this.#fatal) return "error";
    if (this.#offline || this.#manager.current?.getIsOnline?.() === false) return "offline";
    if (this.#synced && !this.#verifying) return "live";
    if (!this.#loaded && this.#attempt > 0) return "reconnecting";
    return this.#everLive ? "reconnecting" : "loading";
  }

  #build(): LiveSnapshot<T> {
    const snapshot: LiveSnapshot<T> = {
      items: this.#rows.view(this.#local),
      status: this.#status(),
      isLoading: !this.#loaded,
      error: this.#error,
      pendingCount: this.#pending(),
      lastSeq: this.#sub?.state.lastSeq ?? 0,
      hasMore: this.#rows.hasMore,
      isLoadingMore: this.#loadingMore,
    };
    if (this.#total !== undefined) snapshot.totalCount = this.#total;
    return snapshot;
  }

  #emit(): void {
    if (this.#destroyed) return;
    this.#snapshot = this.#build();
    for (const listener of [...this.#listeners]) safely(listener);
  }

  #backOnline(): void {
    this.#offline = false;
    if (!this.#loaded || this.#fatal) void this.refresh();
    else this.#sub?.reconnect();
    this.#emit();
  }
}
