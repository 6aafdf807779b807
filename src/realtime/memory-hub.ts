/**
 * The in-memory hub: one process (or one Worker isolate with no Durable Object bound). Runtime-
 * neutral on purpose. Not durable, so each resource's counter starts at the hub's start-up time
 * in ms: positions issued before a restart fall below the new window and resuming clients get
 * `invalidate` instead of a replay of unrelated entries (spec 20 §1).
 * @module
 */
import {
  DEFAULT_MAX_ENTRIES,
  SlotLimitError,
  type ChangeEntry,
  type ChangeInput,
  type ChangelogRetention,
  type ChangelogWindow,
  type HubBackend,
  type HubConnectOptions,
  type HubConnection,
} from "./types.js";

type Deliver = (entries: ChangeEntry[]) => void;

interface ResourceLog {
  /**
   * Entries from `start` on are retained, oldest first. Pruning moves `start` and compacts the
   * array now and then, so an append at the window's limit does not shift 10,000 entries.
   */
  entries: ChangeEntry[];
  start: number;
  head: number;
  outboxIds: Set<string>;
  listeners: Set<Deliver>;
  /** Claim key → holders. */
  slots: Map<string, Set<object>>;
}

/** Options of `createMemoryHub`. */
export interface MemoryHubOptions extends ChangelogRetention {
  /** Clock (ms); tests pass a fake one. */
  now?: () => number;
}

/** A hub that lives in this process's memory. */
export class MemoryHub implements HubBackend {
  readonly kind = "memory";
  readonly #logs = new Map<string, ResourceLog>();
  readonly #start: number;
  readonly #maxEntries: number;
  readonly #maxAgeMs: number | undefined;
  readonly #now: () => number;

  constructor(options: MemoryHubOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#start = this.#now();
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.#maxAgeMs = options.maxAgeMs;
  }

  #log(resource: string): ResourceLog {
    let log = this.#logs.get(resource);
    if (!log) {
      log = { entries: [], start: 0, head: this.#start, outboxIds: new Set(), listeners: new Set(), slots: new Map() };
      this.#logs.set(resource, log);
    }
    return log;
  }

  /** Appends synchronously, so a write that awaited it has reached every local subscriber. */
  async append(resource: string, changes: ChangeInput[]): Promise<ChangeEntry[]> {
    const log = this.#log(resource);
    const timestamp = this.#now();
    const appended: ChangeEntry[] = [];
    for (const change of changes) {
      if (change.outboxId !== undefined) {
        if (log.outboxIds.has(change.outboxId)) continue;
        log.outboxIds.add(change.outboxId);
      }
      const entry: ChangeEntry = { ...change, seq: ++log.head, resource, timestamp };
      log.entries.push(entry);
      appended.push(entry);
    }
    this.#prune(log, timestamp);
    if (appended.length > 0) {
      for (const deliver of [...log.listeners]) {
        // One listener's failure must not keep the entries from the others (or fail the append).
        try {
          deliver(appended);
        } catch {
          // The listener's own error handling applies.
        }
      }
    }
    return appended;
  }

  #prune(log: ResourceLog, now: number): void {
    const { entries } = log;
    let start = Math.max(log.start, entries.length - this.#maxEntries);
    if (this.#maxAgeMs !== undefined) {
      const cutoff = now - this.#maxAgeMs;
      while (start < entries.length && entries[start]!.timestamp < cutoff) start++;
    }
    for (let i = log.start; i < start; i++) {
      const outboxId = entries[i]!.outboxId;
      if (outboxId !== undefined) log.outboxIds.delete(outboxId);
    }
    log.start = start;
    if (start > 1024 && start * 2 > entries.length) {
      log.entries = entries.slice(start);
      log.start = 0;
    }
  }

  #window(log: ResourceLog): ChangelogWindow {
    if (this.#maxAgeMs !== undefined) this.#prune(log, this.#now());
    return { head: log.head, oldest: log.entries[log.start]?.seq ?? log.head + 1 };
  }

  async window(resource: string): Promise<ChangelogWindow> {
    return this.#window(this.#log(resource));
  }

  async since(resource: string, after: number, limit: number): Promise<ChangeEntry[]> {
    const log = this.#log(resource);
    this.#window(log);
    const first = log.entries[log.start]?.seq;
    if (first === undefined) return [];
    const from = log.start + Math.max(0, Math.floor(after) + 1 - first);
    return log.entries.slice(from, from + Math.max(0, limit));
  }

  async connect(resource: string, deliver: Deliver, options: HubConnectOptions = {}): Promise<HubConnection> {
    const log = this.#log(resource);
    const holder = {};
    const claims = options.claims ?? [];
    for (const claim of claims) {
      if ((log.slots.get(claim.key)?.size ?? 0) >= claim.limit) throw new SlotLimitError(claim);
    }
    for (const claim of claims) {
      let holders = log.slots.get(claim.key);
      if (!holders) log.slots.set(claim.key, (holders = new Set()));
      holders.add(holder);
    }
    // Registration and the window are read in one synchronous step: no append can fall between.
    const listener: Deliver = (entries) => deliver(entries);
    log.listeners.add(listener);
    const window = this.#window(log);
    let open = true;
    return {
      window,
      close: () => {
        if (!open) return;
        open = false;
        log.listeners.delete(listener);
        for (const claim of claims) {
          const holders = log.slots.get(claim.key);
          holders?.delete(holder);
          if (holders?.size === 0) log.slots.delete(claim.key);
        }
      },
    };
  }

  async close(): Promise<void> {
    for (const log of this.#logs.values()) log.listeners.clear();
  }
}

/** An in-memory hub (one process, or one Worker isolate). */
export function createMemoryHub(options?: MemoryHubOptions): MemoryHub {
  return new MemoryHub(options);
}
