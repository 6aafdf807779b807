/**
 * Offline support for a client: reads `offline` (spec 80 §6.1), builds the manager on the
 * client's transport with its `onError`/`onSyncComplete`, and turns what other tabs say into
 * query-cache refetches (spec 80 §6.4). `createClient({ offline })` loads this module on demand.
 * @module
 */
import type { CovaraClient } from "../client.js";
import { createOfflineManager, type OfflineManagerOptions } from "./manager.js";
import { LocalStorageOfflineStorage, localStore } from "./storage-local.js";
import { InMemoryOfflineStorage } from "./storage-memory.js";
import type { OfflineConfig, OfflineManager } from "./types.js";

/**
 * The effective configuration, or undefined when offline support is off. `true` means defaults
 * with a persistent queue: localStorage under `covara-mutations` where there is one, else memory
 * (never a localStorage that is not there, which would drop mutations in React Native).
 */
export function resolveOfflineConfig(offline: boolean | OfflineConfig | undefined): OfflineConfig | undefined {
  if (offline === true) {
    return { enabled: true, storage: localStore() ? new LocalStorageOfflineStorage("covara-mutations") : new InMemoryOfflineStorage() };
  }
  if (!offline || typeof offline !== "object" || offline.enabled !== true) return undefined;
  return offline;
}

/** Builds the offline manager of `client` from its config (or `offline`); undefined when off. */
export function createClientOfflineManager(
  client: CovaraClient,
  offline: boolean | OfflineConfig | undefined = client.config.offline,
  extra: Partial<OfflineManagerOptions> = {},
): OfflineManager | undefined {
  const config = resolveOfflineConfig(offline);
  if (!config) return undefined;
  const manager = createOfflineManager({
    config,
    transport: client.transport,
    onError: client.config.onError,
    onSyncComplete: client.config.onSyncComplete,
    ...extra,
  });
  manager.subscribe((event) => {
    // Straight to the cache, not `client.invalidate`, which would broadcast it back.
    if (event.type === "invalidate") for (const path of event.paths) client.queryCache.invalidate(path);
    // Another tab sent the queue: every live query refetches what the server holds now.
    if (event.type === "sync-complete" && event.remote) client.queryCache.invalidate(() => true);
  });
  return manager;
}

/**
 * Turns offline support on for an existing client and returns the manager (`client.offline`).
 * @example
 * const offline = enableOffline(client, { enabled: true, storage: createOfflineStorage(), tabSync: true });
 * offline.setOnlineStatus(false);
 */
export function enableOffline(client: CovaraClient, offline: true | OfflineConfig = true, extra: Partial<OfflineManagerOptions> = {}): OfflineManager {
  const manager = createClientOfflineManager(client, offline, extra);
  if (!manager) throw new TypeError("enableOffline: the offline config is not enabled");
  client.attachOffline(manager);
  return manager;
}
