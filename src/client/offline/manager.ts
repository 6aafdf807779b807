/**
 * `createOfflineManager` (spec 80 §6): optimistic writes enter a persistent queue and are sent in
 * order whenever the app is online (and, with `tabSync`, this tab leads). It keeps the id
 * mappings of synced creates, the ETags its own writes returned, and tells live queries what
 * happened through `subscribe`.
 * @module
 */
import type { Transport } from "../transport.js";
import { resolveConflict } from "./conflict.js";
import { createIdempotencyKey, createMutationId, createOptimisticId, mentionsId, remapIds } from "./ids.js";
import { initialOnline, watchConnectivity } from "./network.js";
import { MutationQueue, planEnqueue } from "./queue.js";
import { fetchServerState, sendOverTransport, sendWithCallback, type SendOutcome } from "./send.js";
import { InMemoryOfflineStorage } from "./storage-memory.js";
import { runPass, type PassContext } from "./sync.js";
import { createTabSync, type TabMessage, type TabSync, type TabSyncOptions } from "./tab-sync.js";
import type { MutationInput, OfflineConfig, OfflineEvent, OfflineManager, OfflineMutation, OfflineWrite, SyncResult } from "./types.js";

/** Options of `createOfflineManager`. */
export interface OfflineManagerOptions {
  config: OfflineConfig;
  /** Sends the queue (the client's transport). Needed unless `onMutationSync` is given. */
  transport?: Transport;
  /** Custom sync: sends one mutation yourself instead of through the transport. */
  onMutationSync?: (mutation: OfflineMutation) => Promise<SyncResult>;
  /** A mutation failed to sync (each time). */
  onMutationFailed?: (mutation: OfflineMutation, error: unknown) => void;
  /** Any failure, including rejections and storage errors (the client's `onError`). */
  onError?: (error: unknown) => void;
  /** A sync pass ended. */
  onSyncComplete?: () => void;
  /** An optimistic id received its server id (besides `config.onIdRemapped`). */
  onIdRemapped?: (optimisticId: string, serverId: string) => void;
  /** Clock in ms (default `Date.now`). */
  now?: () => number;
  /** Overrides of the tab channel (the BroadcastChannel class, the lock store, timings). */
  tabSync?: TabSyncOptions;
}

const rowKey = (resource: string, id: string) => `${resource}\u0000${id}`;

/**
 * Builds an offline manager. `createClient({ offline })` makes one for you; build one yourself for
 * a custom transport or sync, and plug it in with `client.attachOffline(manager)`.
 * @example
 * const manager = createOfflineManager({ config: { enabled: true, storage: createOfflineStorage() }, transport: client.transport });
 * client.attachOffline(manager);
 */
export function createOfflineManager(options: OfflineManagerOptions): OfflineManager {
  const { config, transport } = options;
  if (!transport && !options.onMutationSync) throw new TypeError("createOfflineManager needs a `transport` or an `onMutationSync`");
  const now = options.now ?? Date.now;
  const listeners = new Set<(event: OfflineEvent) => void>();
  const mappings = new Map<string, string>();
  const etags = new Map<string, string>();
  let destroyed = false;
  let online = initialOnline();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerDue = Infinity;
  let running: Promise<void> | undefined;
  let again = false;
  let againIgnoresBackoff = false;

  const emit = (event: OfflineEvent) => {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        // One broken listener must not stop the queue.
        options.onError?.(error);
      }
    }
  };
  const queue = new MutationQueue(config.storage ?? new InMemoryOfflineStorage(), (error) => options.onError?.(error));
  const resolveId = (id: string) => mappings.get(id) ?? id;
  const tabSetting = config.tabSync;
  const tabs: TabSync | undefined = tabSetting ? createTabSync(typeof tabSetting === "string" ? tabSetting : "covara-tab-sync", options.tabSync) : undefined;

  /** Records a mapping once; a mapping this tab learned itself is also written into queued mutations. */
  const learnMapping = (optimisticId: string, serverId: string, local: boolean) => {
    if (optimisticId === serverId || mappings.has(optimisticId)) return;
    mappings.set(optimisticId, serverId);
    if (local) {
      // Queued writes that name the optimistic id are rewritten, so the storage never depends on
      // an in-memory mapping that a reload would lose.
      const single = new Map([[optimisticId, serverId]]);
      for (const m of queue.list()) {
        if (m.objectId !== optimisticId && !mentionsId(m.data, optimisticId)) continue;
        void queue.update(m.id, { objectId: m.objectId === optimisticId ? serverId : m.objectId, data: remapIds(m.data, single) });
      }
      tabs?.post({ type: "id-remapped", optimisticId, serverId });
    }
    config.onIdRemapped?.(optimisticId, serverId);
    options.onIdRemapped?.(optimisticId, serverId);
    emit({ type: "id-remapped", optimisticId, serverId });
  };

  const isLeader = () => tabs?.claimLeadership() ?? true;
  const canSend = () => !destroyed && online && isLeader();

  const schedule = (ms: number) => {
    if (destroyed) return;
    const due = now() + ms;
    if (timer !== undefined && timerDue <= due) return;
    if (timer !== undefined) clearTimeout(timer);
    timerDue = due;
    timer = setTimeout(() => {
      timer = undefined;
      timerDue = Infinity;
      void sync(false);
    }, ms);
  };

  const ctx: PassContext = {
    queue,
    maxRetries: config.maxRetries ?? 3,
    retryDelay: config.retryDelay ?? 1000,
    now,
    canSend,
    notBefore: new Map(),
    unreachableStreak: 0,
    schedule,
    prepare(m) {
      const objectId = m.objectId === undefined ? undefined : resolveId(m.objectId);
      const ifMatch = m.ifMatch ?? (objectId === undefined ? undefined : etags.get(rowKey(m.resource, objectId)));
      return { ...m, objectId, data: remapIds(m.data, mappings), ifMatch };
    },
    send: (m): Promise<SendOutcome> => (options.onMutationSync ? sendWithCallback(options.onMutationSync, m) : sendOverTransport(transport!, m)),
    serverSide: (m, error) => fetchServerState(options.onMutationSync ? undefined : transport, m, error),
    resolve: (m, server, error) => resolveConflict(config, m, server, error, now()),
    synced(sent, outcome) {
      const serverId = outcome.serverId ?? sent.objectId;
      if (sent.type === "create" && sent.optimisticId && outcome.serverId) learnMapping(sent.optimisticId, outcome.serverId, true);
      if (serverId !== undefined) {
        const key = rowKey(sent.resource, serverId);
        if (sent.type === "delete") etags.delete(key);
        else if (outcome.etag) {
          etags.set(key, outcome.etag);
          // Our own write moved the version on: queued writes made against the old one follow.
          for (const m of queue.list()) {
            if (m.ifMatch !== undefined && m.ifMatch === sent.ifMatch && m.resource === sent.resource && resolveId(m.objectId ?? "") === serverId) void queue.update(m.id, { ifMatch: outcome.etag });
          }
        }
      }
      emit({ type: "synced", mutation: { ...sent, serverId: outcome.serverId, status: "synced" }, data: outcome.data });
    },
    failed(m, error) {
      options.onMutationFailed?.(m, error);
      options.onError?.(error);
      emit({ type: "failed", mutation: m, error });
    },
    dropped(m, reason, error) {
      if (reason === "rejected") {
        options.onMutationFailed?.(m, error);
        options.onError?.(error);
      }
      emit({ type: "dropped", mutation: m, reason, error });
    },
  };

  /** Runs passes until nothing asked for another; concurrent callers share the run (O6). */
  const sync = (ignoreBackoff: boolean): Promise<void> => {
    if (running) {
      again = true;
      againIgnoresBackoff ||= ignoreBackoff;
      return running;
    }
    if (!canSend()) return Promise.resolve();
    running = (async () => {
      await queue.ready;
      let ignore = ignoreBackoff;
      do {
        again = false;
        // Other tabs add to the shared storage; the leader sends what is there now.
        if (tabs) await queue.reload();
        await runPass(ctx, ignore);
        ignore = againIgnoresBackoff;
        againIgnoresBackoff = false;
      } while (again && canSend());
    })()
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        running = undefined;
        if (destroyed) return;
        options.onSyncComplete?.();
        tabs?.post({ type: "sync-complete" });
        emit({ type: "sync-complete", remote: false });
      });
    return running;
  };

  const onTabMessage = (message: TabMessage) => {
    if (message.type === "id-remapped") learnMapping(message.optimisticId, message.serverId, false);
    else if (message.type === "invalidate") emit({ type: "invalidate", paths: message.paths });
    else if (message.type === "mutation") void queue.reload().then(() => (online ? sync(false) : undefined));
    else if (message.type === "sync-complete") void queue.reload().then(() => emit({ type: "sync-complete", remote: true }));
  };

  tabs?.onMessage(onTabMessage);
  tabs?.onLeadershipChange((leader) => leader && void sync(false));

  const setOnline = (next: boolean) => {
    const changed = next !== online;
    online = next;
    if (changed) emit({ type: "online", online: next });
    // Back online: what waited for the network goes now, without sitting out backoff.
    if (next) void sync(changed);
  };
  const stopWatching = watchConnectivity(setOnline);

  const queueMutation = async (input: MutationInput): Promise<string> => {
    await queue.ready;
    const at = now();
    const objectId = input.objectId;
    const mutation: OfflineMutation = {
      id: createMutationId(at),
      idempotencyKey: input.idempotencyKey ?? createIdempotencyKey(input.type, input.resource, objectId, at),
      type: input.type,
      resource: input.resource,
      data: input.data,
      objectId,
      optimisticId: input.type === "create" ? (input.optimisticId ?? createOptimisticId(at)) : undefined,
      timestamp: queue.stamp(at),
      retryCount: 0,
      status: "pending",
      replace: input.replace || undefined,
      // The version the edit was made against: what the caller read, else what our last write returned.
      ifMatch: input.ifMatch ?? (objectId === undefined ? undefined : etags.get(rowKey(input.resource, resolveId(objectId)))),
      baseState: input.baseState,
    };
    const plan = planEnqueue(mutation, queue.list(), config.dedupeWindowMs ?? 5000, at);
    if (plan.kind === "skip") return plan.target.id;
    const id = plan.kind === "merge" ? plan.target.id : mutation.id;
    await (plan.kind === "merge" ? queue.update(id, plan.patch) : queue.add(mutation));
    emit({ type: "queued", mutation: queue.get(id) ?? mutation });
    tabs?.post({ type: "mutation", mutationId: id });
    if (online) void sync(false);
    return id;
  };

  const pending = () => queue.list().filter((m) => m.status !== "synced");
  const subscribe = (listener: (event: OfflineEvent) => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };

  return {
    ready: queue.ready,
    getPendingCount: () => pending().length,
    async getPendingMutations() {
      await queue.ready;
      return pending().map((m) => ({ ...m }));
    },
    syncPendingMutations: () => sync(true),
    async clearMutations() {
      ctx.notBefore.clear();
      mappings.clear();
      await queue.clear();
    },
    queueMutation,
    async write(w: OfflineWrite) {
      const data = w.data !== null && typeof w.data === "object" ? (w.data as Record<string, unknown>) : {};
      if (w.kind === "create") {
        const optimisticId = w.optimisticId ?? createOptimisticId(now());
        await queueMutation({ type: "create", resource: w.resource, data: w.data, optimisticId });
        return { ...data, id: optimisticId };
      }
      if (w.id === undefined) throw new TypeError(`An offline ${w.kind} needs the row id`);
      const type = w.kind === "delete" ? "delete" : "update";
      await queueMutation({ type, resource: w.resource, objectId: w.id, data: w.data, replace: w.kind === "replace", ifMatch: w.ifMatch, baseState: w.baseState });
      return type === "delete" ? undefined : { ...data, id: w.id };
    },
    getIsOnline: () => online,
    setOnlineStatus: setOnline,
    resolveId,
    registerIdMapping: (optimisticId, serverId) => learnMapping(optimisticId, serverId, true),
    getIdMappings: () => new Map(mappings),
    hasPendingMutationsForId(id) {
      const ids = new Set([id, resolveId(id)]);
      for (const [optimisticId, serverId] of mappings) if (serverId === id) ids.add(optimisticId);
      return pending().some((m) => (m.objectId !== undefined && ids.has(m.objectId)) || (m.optimisticId !== undefined && ids.has(m.optimisticId)));
    },
    subscribe,
    onIdRemapped: (listener) => subscribe((event) => event.type === "id-remapped" && listener(event.optimisticId, event.serverId)),
    broadcastInvalidate(paths) {
      tabs?.post({ type: "invalidate", paths });
    },
    isLeader,
    destroy() {
      destroyed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      stopWatching();
      tabs?.close();
      listeners.clear();
    },
  };
}
