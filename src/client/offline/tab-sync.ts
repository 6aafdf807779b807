/**
 * Multi-tab coherence (spec 80 §6.4, contract O6/O12): tabs talk over a `BroadcastChannel`, and
 * one leader tab, chosen with a lock in localStorage, sends the shared queue, so no mutation goes
 * out twice. Everything is feature-detected: without BroadcastChannel this is a no-op and the tab
 * leads alone; without localStorage every tab leads.
 * @module
 */
import { localStore, type KeyValueStore } from "./storage-local.js";
import { unrefTimer } from "./network.js";

/** What tabs tell each other. */
export type TabMessage =
  | { type: "mutation"; mutationId: string }
  | { type: "id-remapped"; optimisticId: string; serverId: string }
  | { type: "invalidate"; paths: string[] }
  | { type: "sync-complete" };

type ChannelLike = {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  unref?: () => void;
};
type ChannelConstructor = new (name: string) => ChannelLike;

/** Options of `createTabSync`; the defaults are the globals and the spec's timings. */
export interface TabSyncOptions {
  BroadcastChannel?: ChannelConstructor;
  /** Where the leader lock lives (default `localStorage`). */
  lockStore?: KeyValueStore;
  now?: () => number;
  /** How often the leader refreshes its lock (and others look at it), in ms. Default 2000. */
  heartbeatMs?: number;
  /** A lock older than this is free, in ms. Default 4000. */
  staleMs?: number;
}

/** One tab's end of the channel. */
export interface TabSync {
  readonly tabId: string;
  post(message: TabMessage): void;
  /** Takes the lock when it is free, stale or ours; false while another tab holds a fresh one. */
  claimLeadership(): boolean;
  onMessage(listener: (message: TabMessage) => void): () => void;
  /** Called with the new value whenever the heartbeat finds leadership changed. */
  onLeadershipChange(listener: (leader: boolean) => void): () => void;
  /** Stops the heartbeat, gives the lock up, closes the channel. */
  close(): void;
}

interface Lock {
  id: string;
  ts: number;
}

/**
 * Joins the channel `name` and starts the leader heartbeat.
 * @example
 * const tabs = createTabSync("covara-tab-sync");
 * tabs.onMessage((m) => m.type === "invalidate" && refetch(m.paths));
 */
export function createTabSync(name: string, options: TabSyncOptions = {}): TabSync {
  const Channel = options.BroadcastChannel ?? (globalThis as { BroadcastChannel?: ChannelConstructor }).BroadcastChannel;
  const store = options.lockStore ?? localStore();
  const now = options.now ?? Date.now;
  const staleMs = options.staleMs ?? 4000;
  const lockKey = `${name}::leader`;
  const tabId = `tab_${now().toString(36)}_${Math.random().toString(36).slice(2, 10)}`;
  const messageListeners = new Set<(message: TabMessage) => void>();
  const leadershipListeners = new Set<(leader: boolean) => void>();

  const channel = typeof Channel === "function" ? new Channel(name) : undefined;
  // Node keeps a process alive while a channel is open; a tab-sync channel must not.
  channel?.unref?.();
  if (channel) {
    channel.onmessage = (event) => {
      const message = event.data as (TabMessage & { from?: string }) | null;
      if (!message || typeof message.type !== "string" || message.from === tabId) return;
      for (const listener of [...messageListeners]) listener(message);
    };
  }

  const readLock = (): Lock | undefined => {
    try {
      const lock = JSON.parse(store?.getItem(lockKey) ?? "null") as Lock | null;
      return lock && typeof lock.id === "string" && typeof lock.ts === "number" ? lock : undefined;
    } catch {
      return undefined;
    }
  };

  const claimLeadership = (): boolean => {
    // Alone on the channel, or no shared place for a lock: this tab sends its own queue.
    if (!channel || !store) return true;
    const lock = readLock();
    const at = now();
    if (lock && lock.id !== tabId && at - lock.ts <= staleMs) return false;
    try {
      store.setItem(lockKey, JSON.stringify({ id: tabId, ts: at }));
    } catch {
      return true;
    }
    // Two tabs may have written at once; whoever's write stuck leads.
    return readLock()?.id === tabId;
  };

  let leader = claimLeadership();
  /** Claims (or refreshes) the lock and reports a change, whoever asked: the heartbeat or a caller. */
  const check = (): boolean => {
    const now = claimLeadership();
    if (now !== leader) {
      leader = now;
      // Later, not inside the caller: a listener that syncs must not re-enter the sync that asked.
      queueMicrotask(() => {
        for (const listener of [...leadershipListeners]) listener(now);
      });
    }
    return now;
  };
  const heartbeat = channel && store ? unrefTimer(setInterval(check, options.heartbeatMs ?? 2000)) : undefined;

  return {
    tabId,
    post(message) {
      channel?.postMessage({ ...message, from: tabId });
    },
    claimLeadership: check,
    onMessage(listener) {
      messageListeners.add(listener);
      return () => messageListeners.delete(listener);
    },
    onLeadershipChange(listener) {
      leadershipListeners.add(listener);
      return () => leadershipListeners.delete(listener);
    },
    close() {
      if (heartbeat !== undefined) clearInterval(heartbeat);
      // Hand over at once instead of making the others wait for the lock to go stale.
      if (store && readLock()?.id === tabId) {
        try {
          store.removeItem(lockKey);
        } catch {
          // Nothing to release then.
        }
      }
      messageListeners.clear();
      leadershipListeners.clear();
      if (channel) {
        channel.onmessage = null;
        channel.close();
      }
    },
  };
}
